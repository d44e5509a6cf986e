using Gateway.Broker;

namespace Gateway.Sessions;

/// <summary>
/// One subject's shared subscription on this instance: the broker feed, a bounded replay buffer of encoded events, and a
/// signal that wakes the sessions waiting on it. Every session on the subject reads the same entries (and bytes).
/// </summary>
internal sealed partial class Topic : IAsyncDisposable
{
    private readonly ISubjectFeed _feed;
    private readonly Lock _lock = new();
    private readonly EventEntry?[] _ring;
    private readonly CancellationTokenSource _stop = new();
    private readonly Observability.GatewayMetrics _metrics;
    private readonly ILogger _logger;
    private TaskCompletionSource _changed = NewSignal();
    private long _appended;      // total entries ever appended (local index of the next one)
    private long _firstValid;    // local index of the oldest entry of the current epoch
    private ulong _evictedThrough; // sequence of the newest entry no longer in the ring (or the start)
    private ulong _head;          // newest sequence
    private string _epoch;
    private Task _pump = Task.CompletedTask;

    public Topic(string subject, ISubjectFeed feed, int capacity, Observability.GatewayMetrics metrics, ILogger logger)
    {
        Subject = subject;
        _feed = feed;
        _ring = new EventEntry?[capacity];
        _metrics = metrics;
        _logger = logger;
        _epoch = feed.Epoch;
        _head = _evictedThrough = feed.StartSequence;
    }

    public string Subject { get; }

    /// <summary>Sessions and polls currently holding the topic (managed by <see cref="TopicRegistry"/>).</summary>
    internal int References;

    internal long ReleasedAtTicks;

    /// <summary>Set when the feed failed: sessions reconnect, and the registry opens a fresh topic.</summary>
    public bool Faulted { get; private set; }

    public long Appended => Volatile.Read(ref _appended);

    public ISubjectFeed Feed => _feed;

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
    /// Reads up to <paramref name="max"/> entries after <paramref name="after"/> into <paramref name="into"/>.
    /// When nothing is newer, <paramref name="wait"/> completes on the next append.
    /// </summary>
    public TopicRead Read(Cursor after, int max, List<EventEntry> into, out Task wait)
    {
        lock (_lock)
        {
            wait = _changed.Task;
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
            if (after.Sequence > _head)
            {
                return TopicRead.Empty;
            }

            if (after.Sequence < _evictedThrough)
            {
                return TopicRead.NeedsHistory;
            }

            var first = Math.Max(_appended - _ring.Length, _firstValid);

            // Binary search the first entry with a greater sequence.
            long lo = first, hi = _appended;
            while (lo < hi)
            {
                var mid = lo + ((hi - lo) / 2);
                if (_ring[mid % _ring.Length]!.Sequence <= after.Sequence)
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
                into.Add(_ring[i % _ring.Length]!);
            }

            return into.Count > 0 ? TopicRead.Events : TopicRead.Empty;
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
            var first = Math.Max(_appended - _ring.Length, _firstValid);
            if (index < first)
            {
                return null;
            }

            return new Cursor(_epoch, _ring[index % _ring.Length]!.Sequence);
        }
    }

    /// <summary>Wraps history events (kept in the shared history page, see Topic.History.cs).</summary>
    private EventEntry FromHistory(BrokerEvent e) => new(e, new Cursor(_epoch, e.Sequence).ToString(), -1);

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
        _stop.Dispose();
        _historyLock.Dispose();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void Fault()
    {
        TaskCompletionSource signal;
        lock (_lock)
        {
            Faulted = true;
            signal = _changed;
            _changed = NewSignal();
        }

        signal.TrySetResult();
    }

    private async Task PumpAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var item in _feed.ReadAllAsync(cancellationToken))
            {
                TaskCompletionSource signal;
                lock (_lock)
                {
                    switch (item)
                    {
                        case FeedEvent { Event: var e }:
                            var entry = new EventEntry(e, new Cursor(_epoch, e.Sequence).ToString(), _appended);
                            var slot = _appended % _ring.Length;
                            if (_ring[slot] is { } evicted)
                            {
                                _evictedThrough = evicted.Sequence;
                            }

                            _ring[slot] = entry;
                            _appended++;
                            _head = e.Sequence;
                            break;
                        case FeedGap gap:
                            Array.Clear(_ring);
                            _firstValid = _appended;
                            _epoch = gap.NewEpoch;
                            _head = _evictedThrough = gap.NewStartSequence;
                            Log.Gap(_logger, Subject, gap.NewEpoch);
                            break;
                    }

                    signal = _changed;
                    _changed = NewSignal();
                }

                _metrics.EventsReceived.Inc();
                signal.TrySetResult();
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

internal enum TopicRead
{
    Events,
    Empty,
    Reset,
    NeedsHistory,
    Faulted,
}
