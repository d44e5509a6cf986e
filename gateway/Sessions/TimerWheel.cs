namespace Gateway.Sessions;

/// <summary>
/// One shared timer for every session's deadlines (heartbeat due, long-poll wait over), instead of a timer, task or
/// cancellation source per session: a hashed wheel of <see cref="Slots"/> buckets advanced by a single
/// <see cref="ITimer"/> every <see cref="Tick"/>. Scheduling is O(1) and allocation-free once a bucket has grown;
/// nothing is ever cancelled here: a target ignores a firing that is no longer current (it compares the cookie it
/// was scheduled with), so an entry costs one slot until its tick passes. See docs/decisions.md ("Shared timers").
/// </summary>
internal sealed class TimerWheel : IDisposable
{
    public const int Slots = 512;

    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly List<Entry>?[] _buckets = new List<Entry>?[Slots];
    private readonly long _start;
    private readonly ITimer _timer;
    private List<Entry> _firing = [];
    private long _done; // the last tick whose bucket was processed

    public TimerWheel(TimeProvider time, TimeSpan tick)
    {
        _time = time;
        Tick = tick;
        _start = time.GetTimestamp();
        _timer = time.CreateTimer(static s => ((TimerWheel)s!).Advance(), this, tick, tick);
    }

    public TimeSpan Tick { get; }

    /// <summary>Entries waiting to fire (for tests and the sweep's metrics).</summary>
    public int Count { get; private set; }

    /// <summary>
    /// Calls <see cref="IWheelTarget.OnTimer"/> with <paramref name="cookie"/> once <paramref name="dueIn"/> has passed,
    /// at most one tick late; never early.
    /// </summary>
    public void Schedule(IWheelTarget target, TimeSpan dueIn, int cookie)
    {
        var due = (long)Math.Ceiling((_time.GetElapsedTime(_start) + dueIn).Ticks / (double)Tick.Ticks);
        lock (_lock)
        {
            due = Math.Max(due, _done + 1);
            (_buckets[due % Slots] ??= []).Add(new Entry(target, due, cookie));
            Count++;
        }
    }

    /// <summary>Fires every entry whose tick has passed. Called by the timer; tests call it after moving a fake clock.</summary>
    internal void Advance()
    {
        var now = (long)(_time.GetElapsedTime(_start).Ticks / Tick.Ticks);
        List<Entry> firing;
        lock (_lock)
        {
            firing = _firing;
            for (var t = _done + 1; t <= now; t++)
            {
                var bucket = _buckets[t % Slots];
                if (bucket is null || bucket.Count == 0)
                {
                    continue;
                }

                // Entries more than one turn ahead stay in their bucket for a later round.
                var kept = 0;
                for (var i = 0; i < bucket.Count; i++)
                {
                    var e = bucket[i];
                    if (e.Due <= t)
                    {
                        firing.Add(e);
                    }
                    else
                    {
                        bucket[kept++] = e;
                    }
                }

                bucket.RemoveRange(kept, bucket.Count - kept);
                if (bucket.Count == 0 && bucket.Capacity > 1024)
                {
                    // A burst (a reconnect storm) left a huge bucket: let it go rather than hold it forever.
                    _buckets[t % Slots] = null;
                }
            }

            _done = Math.Max(_done, now);
            Count -= firing.Count;
            _firing = [];
        }

        foreach (var e in firing)
        {
            e.Target.OnTimer(e.Cookie);
        }

        firing.Clear();
        lock (_lock)
        {
            if (_firing.Count == 0 && firing.Capacity <= 1024)
            {
                _firing = firing;
            }
        }
    }

    public void Dispose() => _timer.Dispose();

    private readonly record struct Entry(IWheelTarget Target, long Due, int Cookie);
}

/// <summary>Something the <see cref="TimerWheel"/> calls back. Must be quick and must not throw.</summary>
internal interface IWheelTarget
{
    void OnTimer(int cookie);
}
