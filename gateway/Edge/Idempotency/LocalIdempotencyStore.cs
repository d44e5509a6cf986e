using Microsoft.Extensions.Options;

namespace Gateway.Edge.Idempotency;

/// <summary>
/// Idempotency records in this instance's memory, for the embedded broker and core NATS (no JetStream, so no KV): right
/// for one instance only. Bounded by <see cref="IdempotencyOptions.MaxLocalEntries"/>; expired entries are swept when
/// it fills, and a full store refuses new keys.
/// </summary>
internal sealed class LocalIdempotencyStore(TimeProvider time, IOptions<IdempotencyOptions> options) : IIdempotencyStore
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private ulong _revision;

    public ValueTask<ulong?> TryCreateAsync(string key, byte[] value, TimeSpan ttl, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (Live(key, now) is not null)
            {
                return ValueTask.FromResult<ulong?>(null);
            }

            if (_entries.Count >= options.Value.MaxLocalEntries)
            {
                Sweep(now);
                if (_entries.Count >= options.Value.MaxLocalEntries)
                {
                    throw new IdempotencyStoreException($"the local idempotency store is full ({options.Value.MaxLocalEntries} keys)");
                }
            }

            var entry = new Entry(value, ++_revision, now + ttl);
            _entries[key] = entry;
            return ValueTask.FromResult<ulong?>(entry.Revision);
        }
    }

    public ValueTask<(byte[] Value, ulong Revision)?> GetAsync(string key, TimeSpan ttl, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return ValueTask.FromResult(Live(key, time.GetUtcNow()) is { } e ? (e.Value, e.Revision) : ((byte[], ulong)?)null);
        }
    }

    public ValueTask<ulong?> TryUpdateAsync(string key, byte[] value, ulong revision, TimeSpan ttl, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (Live(key, now) is not { } current || current.Revision != revision)
            {
                return ValueTask.FromResult<ulong?>(null);
            }

            var entry = new Entry(value, ++_revision, now + ttl);
            _entries[key] = entry;
            return ValueTask.FromResult<ulong?>(entry.Revision);
        }
    }

    public ValueTask DeleteAsync(string key, ulong revision, TimeSpan ttl, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var current) && current.Revision == revision)
            {
                _entries.Remove(key);
            }

            return ValueTask.CompletedTask;
        }
    }

    private Entry? Live(string key, DateTimeOffset now)
    {
        if (!_entries.TryGetValue(key, out var entry))
        {
            return null;
        }

        if (entry.Expires > now)
        {
            return entry;
        }

        _entries.Remove(key);
        return null;
    }

    private void Sweep(DateTimeOffset now)
    {
        foreach (var (key, entry) in _entries)
        {
            if (entry.Expires <= now)
            {
                _entries.Remove(key);
            }
        }
    }

    private sealed record Entry(byte[] Value, ulong Revision, DateTimeOffset Expires);
}
