namespace EdgeGateway.Client;

/// <summary>
/// Full-jitter exponential back-off between failed attempts: a delay drawn uniformly from
/// <c>[0, min(MaxDelay, BaseDelay * 2^attempt))</c>, so a fleet of clients that lost the same gateway does not come
/// back in step (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/). The gateway's
/// <c>Retry-After</c> and reconnect advice take precedence over it.
/// </summary>
public sealed class BackoffOptions
{
    /// <summary>First step. Default null: the gateway's advice from negotiate (<c>reconnect.baseMs</c>), else 1 s.</summary>
    public TimeSpan? BaseDelay { get; init; }

    /// <summary>Cap. Default null: the gateway's advice from negotiate (<c>reconnect.maxMs</c>), else 30 s.</summary>
    public TimeSpan? MaxDelay { get; init; }

    /// <summary>
    /// How many attempts in a row may fail before the subscription gives up (<see cref="GatewayState.Failed"/>). Default
    /// null: it never gives up, which is what a long-running service wants.
    /// </summary>
    public int? MaxAttempts { get; init; }
}
