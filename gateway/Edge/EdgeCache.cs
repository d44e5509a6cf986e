using System.Collections.Concurrent;

namespace Gateway.Edge;

/// <summary>
/// Edge-cached polling: the ETag last served for a resource path, with the change-subject cursor at the time it was
/// fetched. While the subject's head has not moved (no notify-on-write or watch event for the resource, from any
/// instance), a matching <c>If-None-Match</c> is answered 304 here without asking the backend. Bounded.
/// </summary>
internal sealed class EdgeCache
{
    public const int MaxEntries = 100_000;

    private readonly ConcurrentDictionary<string, (string ETag, string Cursor)> _entries = new(StringComparer.Ordinal);

    public void Set(string path, string etag, string cursor)
    {
        if (_entries.Count < MaxEntries || _entries.ContainsKey(path))
        {
            _entries[path] = (etag, cursor);
        }
    }

    /// <summary>A write through this instance: forget at once (the change event may still be on its way back).</summary>
    public void Invalidate(string path) => _entries.TryRemove(path, out _);

    public bool TryGetCurrent(string path, string cursor, out string etag)
    {
        if (_entries.TryGetValue(path, out var entry) && entry.Cursor == cursor)
        {
            etag = entry.ETag;
            return true;
        }

        etag = string.Empty;
        return false;
    }
}
