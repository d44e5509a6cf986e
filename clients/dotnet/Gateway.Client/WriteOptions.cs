namespace EdgeGateway.Client;

/// <summary>How <see cref="GatewayClient.WriteAsync"/> keys and retries one write.</summary>
public sealed class WriteOptions
{
    /// <summary>
    /// The <c>Idempotency-Key</c> every attempt of this write carries. Default null: a new random key (a UUID v4, 122 random
    /// bits), which is what the gateway needs: keys of anonymous clients behind one address share one scope.
    /// Set it to make a write that is repeated across restarts of the caller (store the key with the intent).
    /// </summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>Default 5: attempts in all, the first included. The last attempt's answer is returned, whatever it is.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>Default 250 ms: the first step of the full-jitter back-off used when the gateway gave no <c>Retry-After</c>.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Default 10 s: the cap of the back-off; a longer <c>Retry-After</c> is waited for as given.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Default null: an attempt takes as long as the gateway does (its proxy gives up after 100 s). A timeout abandons the
    /// attempt; the gateway then stores nothing for it, so the retry reaches the backend again.
    /// </summary>
    public TimeSpan? AttemptTimeout { get; init; }

    /// <summary>Called before each retry with what failed and how long the client waits. Default none.</summary>
    public Action<WriteRetry>? OnRetry { get; init; }
}
