namespace Gateway.Bench.Subscribers;

/// <summary>Connection events of a group of subscribers, counted across all of them (thread-safe).</summary>
internal sealed class SubscriberStats
{
    private int _reconnects;
    private int _resets;
    private int _reconnectAdvice;
    private int _gaveUp;

    /// <summary>Times a subscriber connected again (resuming from its last id) after its stream or socket ended.</summary>
    public int Reconnects => Volatile.Read(ref _reconnects);

    /// <summary><c>gateway.reset</c> events or reset frames: the gateway could not serve a cursor.</summary>
    public int Resets => Volatile.Read(ref _resets);

    /// <summary><c>gateway.reconnect</c> events or reconnect frames (slow consumer, drain, ...).</summary>
    public int ReconnectAdvice => Volatile.Read(ref _reconnectAdvice);

    /// <summary>Subscribers that stopped for good (refused, closed with a final code, out of reconnect attempts).</summary>
    public int GaveUp => Volatile.Read(ref _gaveUp);

    public void Reconnected() => Interlocked.Increment(ref _reconnects);

    public void Reset() => Interlocked.Increment(ref _resets);

    public void AdvisedToReconnect() => Interlocked.Increment(ref _reconnectAdvice);

    public void GiveUp() => Interlocked.Increment(ref _gaveUp);

    public SubscriberStatsSnapshot Snapshot() => new(Reconnects, Resets, ReconnectAdvice, GaveUp);
}
