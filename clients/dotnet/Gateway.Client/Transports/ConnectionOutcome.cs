namespace EdgeGateway.Client.Transports;

/// <summary>How a connection ended.</summary>
internal sealed record ConnectionOutcome(OutcomeKind Kind, string Reason)
{
    /// <summary>For <see cref="OutcomeKind.FallBack"/>: the reason reported to the gateway.</summary>
    public GatewayFallbackReason FallbackReason { get; init; }

    /// <summary>The gateway's advice (<c>Retry-After</c>, <c>retryMs</c>); null means "use the back-off".</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>The connection delivered before it ended, so the back-off starts over.</summary>
    public bool Delivered { get; init; }

    public Exception? Error { get; init; }

    /// <summary>
    /// For <see cref="OutcomeKind.FallBack"/>: the transport had opened before it failed without delivering. That is as
    /// likely the gateway (a restart, a broker hiccup) as the network, so it is retried once before the client falls back.
    /// </summary>
    public bool AfterOpen { get; init; }

    /// <summary>For <see cref="OutcomeKind.Reconnect"/>: a 429/503 with <see cref="RetryAfter"/>; a poll transport that worked waits and polls on.</summary>
    public bool Throttled { get; init; }

    public static ConnectionOutcome FallBack(GatewayFallbackReason reason, Exception? error = null) =>
        new(OutcomeKind.FallBack, reason.Name()) { FallbackReason = reason, Error = error };

    public static ConnectionOutcome Reconnect(string reason, bool delivered, TimeSpan? retryAfter = null, Exception? error = null) =>
        new(OutcomeKind.Reconnect, reason) { Delivered = delivered, RetryAfter = retryAfter, Error = error };

    public static ConnectionOutcome Fail(Exception error) => new(OutcomeKind.Fail, "failed") { Error = error };

    /// <summary>A connection that failed after it had worked is reopened; one that never worked falls back.</summary>
    public static ConnectionOutcome Broken(bool delivered, GatewayFallbackReason reason, Exception? error = null) =>
        delivered ? Reconnect(reason.Name(), delivered: true, error: error) : FallBack(reason, error);
}
