namespace Gateway.Presence;

/// <summary>
/// Presence records in this process, for the embedded broker and core NATS (no JetStream, so no KV): the list holds this
/// instance's members only (docs/presence.md). Updates reach the watchers synchronously, in write order; an emptied
/// record is forgotten, so memory follows the subjects with members.
/// </summary>
internal sealed class LocalPresenceStore : IPresenceStore
{
    private readonly Dictionary<string, Entry> _subjects = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private ulong _revision;

    public string Instance => "local";

    public bool IsShared => false;

    public ValueTask<IAsyncDisposable> WatchAsync(string subject, TimeSpan ttl, Action<PresenceUpdate> onUpdate, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var entry = Get(subject);
            entry.Watchers.Add(onUpdate);
            foreach (var (instance, (record, revision)) in entry.Records)
            {
                onUpdate(new PresenceUpdate(instance, record, revision, TimeSpan.Zero));
            }

            return ValueTask.FromResult<IAsyncDisposable>(new Unwatch(this, subject, onUpdate));
        }
    }

    public ValueTask WriteAsync(string subject, TimeSpan ttl, PresenceRecord record, CancellationToken cancellationToken)
    {
        Put(subject, record.By, record);
        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> ReapAsync(string subject, string instance, ulong revision, TimeSpan ttl, PresenceRecord record, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_subjects.TryGetValue(subject, out var entry) || !entry.Records.TryGetValue(instance, out var current) || current.Revision != revision)
            {
                return ValueTask.FromResult(false);
            }

            PutLocked(subject, instance, record);
            return ValueTask.FromResult(true);
        }
    }

    private void Put(string subject, string instance, PresenceRecord record)
    {
        lock (_lock)
        {
            PutLocked(subject, instance, record);
        }
    }

    private void PutLocked(string subject, string instance, PresenceRecord record)
    {
        var entry = Get(subject);
        var revision = ++_revision;
        if (record.Members.Count == 0)
        {
            entry.Records.Remove(instance);
        }
        else
        {
            entry.Records[instance] = (record, revision);
        }

        foreach (var watcher in entry.Watchers)
        {
            watcher(new PresenceUpdate(instance, record, revision, TimeSpan.Zero));
        }

        Trim(subject, entry);
    }

    private Entry Get(string subject)
    {
        if (!_subjects.TryGetValue(subject, out var entry))
        {
            entry = new Entry();
            _subjects[subject] = entry;
        }

        return entry;
    }

    private void Trim(string subject, Entry entry)
    {
        if (entry.Records.Count == 0 && entry.Watchers.Count == 0)
        {
            _subjects.Remove(subject);
        }
    }

    private sealed class Entry
    {
        public Dictionary<string, (PresenceRecord Record, ulong Revision)> Records { get; } = new(StringComparer.Ordinal);

        public List<Action<PresenceUpdate>> Watchers { get; } = [];
    }

    private sealed class Unwatch(LocalPresenceStore store, string subject, Action<PresenceUpdate> watcher) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            lock (store._lock)
            {
                if (store._subjects.TryGetValue(subject, out var entry))
                {
                    entry.Watchers.Remove(watcher);
                    store.Trim(subject, entry);
                }
            }

            return ValueTask.CompletedTask;
        }
    }
}
