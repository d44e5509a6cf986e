namespace Gateway.Watch;

/// <summary>The lease for one instance (embedded broker, core NATS): this instance always holds it.</summary>
internal sealed class LocalWatchLease : IWatchLease
{
    public ValueTask<bool> TryHoldAsync(string key, TimeSpan ttl, CancellationToken cancellationToken) => ValueTask.FromResult(true);

    public ValueTask ReleaseAsync(string key, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
