using System.Collections.Concurrent;

namespace Gateway.Edge;

/// <summary>
/// The ETag last seen for a resource path, kept only while it is known current: a change event for the resource
/// (notify-on-write or watch) removes it, so the next conditional GET goes to the backend again. Bounded.
/// </summary>
internal sealed class EdgeCache
{
    public const int MaxEntries = 100_000;

    private readonly ConcurrentDictionary<string, string> _current = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _covered = new(StringComparer.Ordinal);

    /// <summary>Marks a path as covered by change events (only covered paths are answered from the cache).</summary>
    public void Cover(string path)
    {
        if (_covered.Count < MaxEntries)
        {
            _covered.TryAdd(path, 0);
        }
    }

    public void Observe(string path, string etag)
    {
        if (_covered.ContainsKey(path) && (_current.Count < MaxEntries || _current.ContainsKey(path)))
        {
            _current[path] = etag;
        }
    }

    public void Invalidate(string path) => _current.TryRemove(path, out _);

    public bool TryGetCurrent(string path, out string etag) => _current.TryGetValue(path, out etag!);
}
