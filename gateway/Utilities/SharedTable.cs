using System.Diagnostics.CodeAnalysis;

namespace Gateway.Utilities;

/// <summary>What <see cref="SharedTable{TEntry}"/> keeps per entry: its key, its holders and when the last one left.</summary>
internal abstract class SharedEntry(string key)
{
    public string Key { get; } = key;

    /// <summary>Holders now (guarded by the table's lock).</summary>
    public int References { get; internal set; }

    /// <summary>When a holder last released it (a <see cref="TimeProvider"/> timestamp).</summary>
    public long ReleasedAt { get; internal set; }
}

/// <summary>
/// Things shared by key among their holders and counted, kept a while after the last holder leaves so that a reconnect
/// storm or a crowd of pollers does not churn them: the topics of subjects (one broker subscription each) and the
/// watchers of resources. One lock, held for bookkeeping only: whatever an entry holds is opened by the owner's factory
/// (which must not wait) and closed by the owner after <see cref="Sweep"/> hands the entry back. An entry replaced while
/// still held (a failed topic) is retired: its holders keep it until they release it, and a later sweep hands it back.
/// </summary>
internal sealed class SharedTable<TEntry>(TimeProvider time)
    where TEntry : SharedEntry
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, TEntry> _entries = new(StringComparer.Ordinal);
    private readonly List<TEntry> _retired = [];

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>
    /// Takes a reference on the entry of <paramref name="key"/>. When there is none, or <paramref name="usable"/> rejects
    /// the one there (which is then retired), <paramref name="create"/> makes a new one, given the number of entries
    /// besides it; it may throw (a cap), and then nothing is taken.
    /// </summary>
    public TEntry Acquire<TState>(string key, TState state, Func<string, int, TState, TEntry> create, Func<TEntry, bool> usable)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(key, out var entry) || !usable(entry))
            {
                if (entry is not null)
                {
                    _entries.Remove(key);
                    _retired.Add(entry);
                }

                entry = create(key, _entries.Count, state);
                _entries[key] = entry;
            }

            entry.References++;
            return entry;
        }
    }

    /// <summary>Takes a reference on the entry of <paramref name="key"/> only if there is one and <paramref name="usable"/> accepts it.</summary>
    public bool TryAcquire(string key, Func<TEntry, bool> usable, [NotNullWhen(true)] out TEntry? entry)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out entry) && usable(entry))
            {
                entry.References++;
                return true;
            }
        }

        entry = null;
        return false;
    }

    /// <summary>The entry of <paramref name="key"/> now, without taking a reference.</summary>
    public bool TryPeek(string key, [NotNullWhen(true)] out TEntry? entry)
    {
        lock (_lock)
        {
            return _entries.TryGetValue(key, out entry);
        }
    }

    /// <summary>
    /// Gives a reference back. With <paramref name="dropIfCurrent"/> (the entry failed before its holder could use it) the
    /// entry also leaves the table at once, so the next acquire makes a new one.
    /// </summary>
    public void Release(TEntry entry, bool dropIfCurrent = false)
    {
        lock (_lock)
        {
            entry.References--;
            entry.ReleasedAt = time.GetTimestamp();
            if (dropIfCurrent && _entries.TryGetValue(entry.Key, out var current) && ReferenceEquals(current, entry))
            {
                _entries.Remove(entry.Key);
                _retired.Add(entry);
            }
        }
    }

    /// <summary>Gives back a reference on whichever entry, current or retired, <paramref name="match"/> finds for <paramref name="key"/>.</summary>
    public void Release(string key, Func<TEntry, bool> match)
    {
        lock (_lock)
        {
            var entry = _entries.TryGetValue(key, out var current) && match(current) ? current : _retired.Find(e => e.Key == key && match(e));
            if (entry is not null)
            {
                entry.References--;
                entry.ReleasedAt = time.GetTimestamp();
            }
        }
    }

    /// <summary>
    /// Removes and returns, for the owner to close outside the lock, every entry nobody holds that
    /// <paramref name="expired"/> says is done with (current and retired alike). <paramref name="held"/>, when given,
    /// sees every current entry that is still held, under the lock (to restart what it runs, say).
    /// </summary>
    public List<TEntry>? Sweep(Func<TEntry, bool> expired, Action<TEntry>? held = null)
    {
        List<TEntry>? done = null;
        lock (_lock)
        {
            List<string>? remove = null;
            foreach (var (key, entry) in _entries)
            {
                if (entry.References <= 0)
                {
                    if (expired(entry))
                    {
                        (remove ??= []).Add(key);
                        (done ??= []).Add(entry);
                    }
                }
                else
                {
                    held?.Invoke(entry);
                }
            }

            foreach (var key in remove ?? [])
            {
                _entries.Remove(key);
            }

            for (var i = _retired.Count - 1; i >= 0; i--)
            {
                if (_retired[i].References <= 0 && expired(_retired[i]))
                {
                    (done ??= []).Add(_retired[i]);
                    _retired.RemoveAt(i);
                }
            }
        }

        return done;
    }

    /// <summary>Empties the table (shutdown) and returns every entry, current and retired, for the owner to close.</summary>
    public List<TEntry> TakeAll()
    {
        lock (_lock)
        {
            List<TEntry> all = [.. _entries.Values, .. _retired];
            _entries.Clear();
            _retired.Clear();
            return all;
        }
    }
}
