using Gateway.Broker;

namespace Gateway.Sessions;

/// <summary>
/// One subject's shared subscription on this instance: the broker feed, a replay ring of encoded events and the
/// sessions parked on it. Every session on the subject reads the same entries (and bytes). A session that has read
/// everything parks here (<see cref="Read"/> with a waiter) and is woken by the next append: no task, timer or
/// completion source per wait. The ring grows on demand up to its count bound and is also bounded in bytes, per
/// subject and across all subjects (<see cref="ReplayBudget"/>); a cursor older than the ring is served from the
/// broker's history (Topic.History.cs). See docs/decisions.md ("Delivery core").
/// </summary>
internal sealed partial class Topic : IAsyncDisposable
{
    /// <summary>Sessions woken one after another on one thread (see <see cref="Wake(ITopicWaiter[], int)"/>).</summary>
    internal const int WakeChunk = 64;

    private readonly ISubjectFeed _feed;
    private readonly Lock _lock = new();
    private readonly int _capacity;
    private readonly long _maxBytes;
    private readonly ReplayBudget _budget;
    private readonly CancellationTokenSource _stop = new();
    private readonly Observability.GatewayMetrics _metrics;
    private readonly ILogger _logger;
    private readonly List<ITopicWaiter> _waiters = [];
    private EventEntry?[] _ring = new EventEntry?[8];
    private long _appended;      // total entries ever appended (local index of the next one)
    private long _first;         // local index of the oldest entry still in the ring
    private long _bytes;         // bytes the ring's entries account for
    private ulong _evictedThrough; // sequence of the newest entry no longer in the ring (or the start)
    private ulong _head;          // newest sequence
    private string _epoch;
    private Task _pump = Task.CompletedTask;

    public Topic(string subject, ISubjectFeed feed, int capacity, long maxBytes, ReplayBudget budget, Observability.GatewayMetrics metrics, ILogger logger)
    {
        Subject = subject;
        _feed = feed;
        _capacity = capacity;
        _maxBytes = maxBytes;
        _budget = budget;
        _metrics = metrics;
        _logger = logger;
        _epoch = feed.Epoch;
        _head = _evictedThrough = feed.StartSequence;
    }

    public string Subject { get; }

    /// <summary>Set when the feed failed: sessions reconnect, and the registry opens a fresh topic.</summary>
    public bool Faulted { get; private set; }

    public long Appended => Volatile.Read(ref _appended);

    public ISubjectFeed Feed => _feed;

    /// <summary>Sessions parked waiting for the next event.</summary>
    public int Waiting
    {
        get
        {
            lock (_lock)
            {
                return _waiters.Count;
            }
        }
    }

    /// <summary>Bytes the replay ring holds now.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>The newest cursor: where a client without a cursor starts.</summary>
    public Cursor Head
    {
        get
        {
            lock (_lock)
            {
                return new Cursor(_epoch, _head);
            }
        }
    }

    public void Start() => _pump = PumpAsync(_stop.Token);

    /// <summary>
    /// Reads up to <paramref name="max"/> entries after <paramref name="after"/> into <paramref name="into"/>. When
    /// nothing is newer and <paramref name="waiter"/> is given, it is parked (atomically with the read, so no append can
    /// slip between) and woken once by the next append or fault.
    /// </summary>
    public TopicRead Read(Cursor after, int max, List<EventEntry> into, ITopicWaiter? waiter = null)
    {
        lock (_lock)
        {
            if (Faulted)
            {
                return TopicRead.Faulted;
            }

            if (!string.Equals(after.Epoch, _epoch, StringComparison.Ordinal))
            {
                return TopicRead.Reset;
            }

            // A cursor of this epoch ahead of our head comes from an instance that has seen more of the stream (sequences
            // are stream-wide): it is valid, and entries at or below it are skipped when they arrive here.
            if (after.Sequence >= _head)
            {
                Park(waiter);
                return TopicRead.Empty;
            }

            if (after.Sequence < _evictedThrough)
            {
                return TopicRead.NeedsHistory;
            }

            // Binary search the first entry with a greater sequence.
            long lo = _first, hi = _appended;
            while (lo < hi)
            {
                var mid = lo + ((hi - lo) / 2);
                if (At(mid).Sequence <= after.Sequence)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid;
                }
            }

            for (var i = lo; i < _appended && into.Count < max; i++)
            {
                into.Add(At(i));
            }

            if (into.Count > 0)
            {
                return TopicRead.Events;
            }

            Park(waiter);
            return TopicRead.Empty;
        }
    }

    /// <summary>Takes a parked session off the topic (it ended); O(1).</summary>
    public void Unpark(ITopicWaiter waiter)
    {
        lock (_lock)
        {
            var slot = waiter.WaiterSlot;
            if (slot < 0 || slot >= _waiters.Count || !ReferenceEquals(_waiters[slot], waiter))
            {
                return;
            }

            var last = _waiters.Count - 1;
            if (slot != last)
            {
                var moved = _waiters[last];
                _waiters[slot] = moved;
                moved.WaiterSlot = slot;
            }

            _waiters.RemoveAt(last);
            waiter.WaiterSlot = -1;
        }
    }

    /// <summary>The sequence through which the broker's history must serve a cursor the ring no longer covers.</summary>
    public ulong EvictedThrough
    {
        get
        {
            lock (_lock)
            {
                return _evictedThrough;
            }
        }
    }

    /// <summary>The cursor just before the newest <paramref name="count"/> entries (drop-oldest skips to it).</summary>
    public Cursor? CursorBeforeNewest(int count)
    {
        lock (_lock)
        {
            var index = _appended - count - 1;
            if (index < _first)
            {
                return null;
            }

            return new Cursor(_epoch, At(index).Sequence);
        }
    }

    public string Epoch
    {
        get
        {
            lock (_lock)
            {
                return _epoch;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _pump;
        }
        catch (OperationCanceledException)
        {
        }

        await _feed.DisposeAsync();
        Fault();
        lock (_lock)
        {
            _budget.Add(-_bytes);
            _bytes = 0;
            Array.Clear(_ring);
        }

        _stop.Dispose();
        _historyLock.Dispose();
    }

    /// <summary>
    /// Appends one feed item and wakes the parked sessions. The feed's pump calls it; tests call it directly. An event
    /// with its publisher's trace context gets one delivery span over the append and the wake (docs/tracing.md).
    /// </summary>
    internal void Append(FeedItem item)
    {
        using var delivery = item is FeedEvent { Event: { TraceParent: { } traceParent } traced }
            ? Observability.Tracing.GatewayTracing.StartDelivery(traceParent, Subject, traced.Sequence)
            : null;
        ITopicWaiter[]? woken;
        int count;
        lock (_lock)
        {
            switch (item)
            {
                case FeedEvent { Event: var e }:
                    AppendEntry(new EventEntry(e, new Cursor(_epoch, e.Sequence).ToString(), _appended));
                    _head = e.Sequence;
                    break;
                case FeedGap gap:
                    EvictAll();
                    _epoch = gap.NewEpoch;
                    _head = _evictedThrough = gap.NewStartSequence;
                    Log.Gap(_logger, Subject, gap.NewEpoch);
                    break;
            }

            woken = TakeWaiters(out count);
        }

        delivery?.SetTag(Observability.Tracing.GatewayTracing.SubscribersTag, count);
        Wake(woken, count);
    }

    /// <summary>Wraps history events (kept in the shared history page, see Topic.History.cs).</summary>
    private EventEntry FromHistory(BrokerEvent e) => new(e, new Cursor(_epoch, e.Sequence).ToString(), -1);

    private EventEntry At(long index) => _ring[index & (_ring.Length - 1)]!;

    private void Park(ITopicWaiter? waiter)
    {
        if (waiter is not null && waiter.WaiterSlot < 0)
        {
            waiter.WaiterSlot = _waiters.Count;
            _waiters.Add(waiter);
        }
    }

    private void AppendEntry(EventEntry entry)
    {
        var count = _appended - _first;
        if (count == _ring.Length)
        {
            if (_ring.Length < _capacity)
            {
                Grow();
            }
            else
            {
                EvictOldest();
            }
        }

        _ring[_appended & (_ring.Length - 1)] = entry;
        _appended++;
        _bytes += entry.Cost;
        _budget.Add(entry.Cost);

        // Bytes bound the ring as well as the count (a few large events must not hold megabytes per subject), and so does
        // the instance-wide budget: the subject that appends pays by evicting its own oldest entries. The newest entry
        // always stays, so the live window is never empty.
        while (_appended - _first > 1 && (_bytes > _maxBytes || _budget.Over))
        {
            EvictOldest();
        }
    }

    private void Grow()
    {
        var bigger = new EventEntry?[Math.Min(_ring.Length * 2, RoundUpPow2(_capacity))];
        for (var i = _first; i < _appended; i++)
        {
            bigger[i & (bigger.Length - 1)] = At(i);
        }

        _ring = bigger;
    }

    private void EvictOldest()
    {
        var slot = _first & (_ring.Length - 1);
        var evicted = _ring[slot]!;
        _ring[slot] = null;
        _first++;
        _evictedThrough = evicted.Sequence;
        _bytes -= evicted.Cost;
        _budget.Add(-evicted.Cost);
    }

    private void EvictAll()
    {
        Array.Clear(_ring);
        _budget.Add(-_bytes);
        _bytes = 0;
        _first = _appended;
    }

    private static int RoundUpPow2(int n) => (int)Math.Min(1 << 30, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(8, n)));

    private ITopicWaiter[]? TakeWaiters(out int count)
    {
        count = _waiters.Count;
        if (count == 0)
        {
            return null;
        }

        var woken = System.Buffers.ArrayPool<ITopicWaiter>.Shared.Rent(count);
        for (var i = 0; i < count; i++)
        {
            var w = _waiters[i];
            w.WaiterSlot = -1;
            woken[i] = w;
        }

        _waiters.Clear();
        if (_waiters.Capacity > 4096 && count < 1024)
        {
            // A crowd left: do not keep its list.
            _waiters.Capacity = 1024;
        }

        return woken;
    }

    /// <summary>
    /// Wakes parked sessions outside the lock. Each woken session's loop continues inline on the waking thread until its
    /// next real wait (a write that does not complete at once, or the next park): no work item per session. The first
    /// <see cref="WakeChunk"/> sessions run on the caller's thread; the rest go to the thread pool in chunks of that size,
    /// so a crowd uses every core with one work item per chunk instead of one per session (docs/decisions.md "Delivery core").
    /// </summary>
    private static void Wake(ITopicWaiter[]? woken, int count)
    {
        if (woken is null)
        {
            return;
        }

        for (var start = WakeChunk; start < count; start += WakeChunk)
        {
            var chunk = new ITopicWaiter[Math.Min(WakeChunk, count - start)];
            Array.Copy(woken, start, chunk, 0, chunk.Length);
            ThreadPool.UnsafeQueueUserWorkItem(static c => WakeInline(c, c.Length), chunk, preferLocal: false);
        }

        WakeInline(woken, Math.Min(count, WakeChunk));
        System.Buffers.ArrayPool<ITopicWaiter>.Shared.Return(woken, clearArray: true);
    }

    private static void WakeInline(ITopicWaiter[] waiters, int count)
    {
        for (var i = 0; i < count; i++)
        {
            waiters[i].Wake(inline: true);
        }
    }

    private void Fault()
    {
        ITopicWaiter[]? woken;
        int count;
        lock (_lock)
        {
            Faulted = true;
            woken = TakeWaiters(out count);
        }

        Wake(woken, count);
    }

    private async Task PumpAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var item in _feed.ReadAllAsync(cancellationToken))
            {
                Append(item);
                _metrics.EventsReceived.Inc();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex)
        {
            Log.FeedFailed(_logger, Subject, ex.Message);
        }

        if (!cancellationToken.IsCancellationRequested)
        {
            Fault();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(2000, LogLevel.Warning, "Feed for {Subject} may have lost events; new epoch {Epoch}, sessions are reset")]
        public static partial void Gap(ILogger logger, string subject, string epoch);

        [LoggerMessage(2001, LogLevel.Warning, "Feed for {Subject} failed: {Reason}")]
        public static partial void FeedFailed(ILogger logger, string subject, string reason);
    }
}

/// <summary>A session parked on a topic. <see cref="WaiterSlot"/> is the topic's bookkeeping, guarded by its lock.</summary>
internal interface ITopicWaiter
{
    int WaiterSlot { get; set; }

    /// <summary>Called once per park when the topic changes. <paramref name="inline"/>: the caller lets the session run on its thread.</summary>
    void Wake(bool inline);
}

internal enum TopicRead
{
    Events,
    Empty,
    Reset,
    NeedsHistory,
    Faulted,
}
