using System.Collections.Concurrent;

namespace Gateway.Watch;

/// <summary>
/// Baselines of one instance (embedded broker, core NATS), with the same compare-and-set as the KV store, kept as long
/// as the KV store keeps its entries (<see cref="KvWatchBaselines.Retention"/>) after their last use.
/// </summary>
internal sealed class LocalWatchBaselines(TimeProvider time) : IWatchBaselines
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private ulong _revision;

    public ValueTask<StoredBaseline> GetAsync(string subject, CancellationToken cancellationToken)
    {
        if (!_entries.TryGetValue(subject, out var entry))
        {
            return ValueTask.FromResult(default(StoredBaseline));
        }

        entry.UsedAt = time.GetTimestamp();
        return ValueTask.FromResult(entry.Stored);
    }

    public ValueTask<bool> TryPutAsync(string subject, WatchBaseline baseline, ulong revision, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var current = _entries.TryGetValue(subject, out var entry) ? entry.Stored.Revision : 0;
            if (current != revision)
            {
                return ValueTask.FromResult(false);
            }

            _entries[subject] = new Entry(new StoredBaseline(baseline, ++_revision)) { UsedAt = time.GetTimestamp() };
            return ValueTask.FromResult(true);
        }
    }

    /// <summary>Drops baselines unused for the retention time, so resources watched once do not accumulate.</summary>
    public void Prune()
    {
        foreach (var (subject, entry) in _entries)
        {
            if (time.GetElapsedTime(entry.UsedAt) > KvWatchBaselines.Retention)
            {
                _entries.TryRemove(subject, out _);
            }
        }
    }

    private sealed class Entry(StoredBaseline stored)
    {
        public StoredBaseline Stored { get; } = stored;

        public long UsedAt { get; set; }
    }
}
