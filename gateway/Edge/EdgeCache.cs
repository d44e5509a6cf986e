using System.Collections.Concurrent;

namespace Gateway.Edge;

/// <summary>
/// Edge-cached polling: the ETag last served for a resource path, with the change-subject cursor at the time it was
/// fetched. While the subject's head has not moved (no notify-on-write or watch event for the resource, from any
/// instance), a matching <c>If-None-Match</c> is answered 304 here without asking the backend. Bounded. An entry
/// remembers whose answer it was (<c>owner</c>: empty for anonymous requests, the token's subject otherwise), so a
/// 304 is given only to the identity the backend answered, never to another user who presents the same ETag.
/// </summary>
internal sealed class EdgeCache
{
    public const int MaxEntries = 100_000;

    private readonly ConcurrentDictionary<string, (string ETag, string Cursor, string Owner)> _entries = new(StringComparer.Ordinal);

    public void Set(string path, string etag, string cursor, string owner)
    {
        if (_entries.Count < MaxEntries || _entries.ContainsKey(path))
        {
            _entries[path] = (etag, cursor, owner);
        }
    }

    /// <summary>A write through this instance: forget at once (the change event may still be on its way back).</summary>
    public void Invalidate(string path) => _entries.TryRemove(path, out _);

    public bool TryGetCurrent(string path, string cursor, string owner, out string etag)
    {
        if (_entries.TryGetValue(path, out var entry) && entry.Cursor == cursor && entry.Owner == owner)
        {
            etag = entry.ETag;
            return true;
        }

        etag = string.Empty;
        return false;
    }
}
