using Gateway.Broker;

namespace Gateway.Sessions;

/// <summary>
/// History reads for cursors older than the replay buffer. Sessions that fell behind together (a burst, a reconnect
/// wave) ask for the same range: the last page read is kept and served to all of them, and one read per topic runs at a
/// time, so a thousand lagging sessions cost a handful of broker reads instead of a thousand consumers.
/// </summary>
internal sealed partial class Topic
{
    private readonly SemaphoreSlim _historyLock = new(1, 1);
    private HistoryPage? _history;

    public async ValueTask<List<EventEntry>?> ReadHistoryAsync(ulong after, ulong through, int max, CancellationToken cancellationToken)
    {
        if (TryServe(after, max, out var cached))
        {
            return cached;
        }

        await _historyLock.WaitAsync(cancellationToken);
        try
        {
            // Another session may have fetched this range while we waited.
            if (TryServe(after, max, out cached))
            {
                return cached;
            }

            var events = await _feed.ReadHistoryAsync(after, through, max, cancellationToken);
            if (events is null)
            {
                return null;
            }

            // Wrapped (and so encoded, on first write) once for every session the page serves.
            var entries = new List<EventEntry>(events.Count);
            foreach (var e in events)
            {
                entries.Add(FromHistory(e));
            }

            if (entries.Count > 0)
            {
                Volatile.Write(ref _history, new HistoryPage(after, entries[^1].Sequence, entries));
            }

            return entries;
        }
        finally
        {
            _historyLock.Release();
        }
    }

    private bool TryServe(ulong after, int max, out List<EventEntry>? events)
    {
        events = null;
        var page = Volatile.Read(ref _history);
        if (page is null || after < page.After || after >= page.Last)
        {
            return false;
        }

        // Every event of the subject in (page.After, page.Last] is in the page, so any cursor inside it is served from it.
        var result = new List<EventEntry>(Math.Min(max, page.Events.Count));
        foreach (var e in page.Events)
        {
            if (e.Sequence > after && result.Count < max)
            {
                result.Add(e);
            }
        }

        events = result;
        return true;
    }

    private sealed record HistoryPage(ulong After, ulong Last, IReadOnlyList<EventEntry> Events);
}
