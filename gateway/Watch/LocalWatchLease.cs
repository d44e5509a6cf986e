using System.Collections.Concurrent;

namespace Gateway.Watch;

/// <summary>The lease for one instance (embedded broker, core NATS): this instance always holds it.</summary>
internal sealed class LocalWatchLease : IWatchLease
{
    private readonly ConcurrentDictionary<string, string> _etags = new(StringComparer.Ordinal);

    public ValueTask<LeaseState> TryHoldAsync(string key, TimeSpan ttl, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new LeaseState(true, _etags.TryGetValue(key, out var etag) ? etag : null));

    public ValueTask RecordAsync(string key, string etag, CancellationToken cancellationToken)
    {
        _etags[key] = etag;
        return ValueTask.CompletedTask;
    }

    public ValueTask ReleaseAsync(string key, CancellationToken cancellationToken)
    {
        _etags.TryRemove(key, out _);
        return ValueTask.CompletedTask;
    }
}
