using Gateway.Presence;

namespace Gateway.Presence.Tests;

/// <summary>
/// A KV bucket in memory, shared by several instances' stores: ordered revisions, compare-and-set reaps, watchers told in
/// write order; counts writes. <see cref="For"/> gives one instance's <see cref="IPresenceStore"/>.
/// </summary>
internal sealed class SharedPresenceBucket
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Subject, string Instance), (PresenceRecord Record, ulong Revision)> _records = [];
    private readonly List<(string Subject, Action<PresenceUpdate> Watcher)> _watchers = [];
    private ulong _revision;

    public int Writes { get; private set; }

    public int Reaps { get; private set; }

    /// <summary>The last record an instance wrote (or had reaped) for a subject.</summary>
    public PresenceRecord? Record(string subject, string instance)
    {
        lock (_lock)
        {
            return _records.TryGetValue((subject, instance), out var r) ? r.Record : null;
        }
    }

    public IPresenceStore For(string instance) => new Client(this, instance);

    private void Put(string subject, string instance, PresenceRecord record)
    {
        var revision = ++_revision;
        _records[(subject, instance)] = (record, revision);
        foreach (var (s, watcher) in _watchers.ToArray())
        {
            if (s == subject)
            {
                watcher(new PresenceUpdate(instance, record, revision, TimeSpan.Zero));
            }
        }
    }

    private sealed class Client(SharedPresenceBucket bucket, string instance) : IPresenceStore
    {
        public string Instance => instance;

        public bool IsShared => true;

        public ValueTask<IAsyncDisposable> WatchAsync(string subject, TimeSpan ttl, Action<PresenceUpdate> onUpdate, CancellationToken cancellationToken)
        {
            lock (bucket._lock)
            {
                bucket._watchers.Add((subject, onUpdate));
                foreach (var ((s, i), (record, revision)) in bucket._records)
                {
                    if (s == subject)
                    {
                        onUpdate(new PresenceUpdate(i, record, revision, TimeSpan.Zero));
                    }
                }

                return ValueTask.FromResult<IAsyncDisposable>(new Unwatch(bucket, subject, onUpdate));
            }
        }

        public ValueTask WriteAsync(string subject, TimeSpan ttl, PresenceRecord record, CancellationToken cancellationToken)
        {
            lock (bucket._lock)
            {
                bucket.Writes++;
                bucket.Put(subject, record.By, record);
                return ValueTask.CompletedTask;
            }
        }

        public ValueTask<bool> ReapAsync(string subject, string owner, ulong revision, TimeSpan ttl, PresenceRecord record, CancellationToken cancellationToken)
        {
            lock (bucket._lock)
            {
                if (!bucket._records.TryGetValue((subject, owner), out var current) || current.Revision != revision)
                {
                    return ValueTask.FromResult(false);
                }

                bucket.Reaps++;
                bucket.Put(subject, owner, record);
                return ValueTask.FromResult(true);
            }
        }
    }

    private sealed class Unwatch(SharedPresenceBucket bucket, string subject, Action<PresenceUpdate> watcher) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            lock (bucket._lock)
            {
                bucket._watchers.Remove((subject, watcher));
            }

            return ValueTask.CompletedTask;
        }
    }
}
