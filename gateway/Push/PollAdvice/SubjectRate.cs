namespace Gateway.Push.PollAdvice;

/// <summary>
/// One subject's event rate over an exponentially decaying window, fed with the topic's running event count whenever a
/// poll or negotiation looks at the subject. Events between two looks are spread evenly over the gap, so the estimate is
/// exact for a steady rate however rarely it is sampled; the warm-up is corrected (the window is only as old as the first
/// look), so a busy subject reads busy from its second look on. Guarded by the advisor's lock.
/// </summary>
internal sealed class SubjectRate(long total, long now)
{
    private readonly long _firstSeen = now;
    private long _total = total;
    private double _decayed; // ∫ rate(s)·e^(-(t-s)/τ) ds, in events

    public long LastSeen { get; private set; } = now;

    /// <summary>Takes the topic's running count at <paramref name="now"/> and returns the rate in events per second.</summary>
    public double Observe(long total, long now, double tauSeconds, long frequency)
    {
        var dt = Math.Max(0, now - LastSeen) / (double)frequency;

        // A recreated topic counts from 0 again: what it saw before is unknown, so it is a fresh baseline.
        var events = total >= _total ? total - _total : 0;
        _total = total;
        LastSeen = Math.Max(LastSeen, now);
        var decay = Math.Exp(-dt / tauSeconds);
        _decayed = (_decayed * decay) + (dt > 0 ? events * tauSeconds * (1 - decay) / dt : events);

        var age = Math.Max(0, LastSeen - _firstSeen) / (double)frequency;
        var span = tauSeconds * (1 - Math.Exp(-age / tauSeconds));
        return span > 0 ? _decayed / span : 0;
    }
}
