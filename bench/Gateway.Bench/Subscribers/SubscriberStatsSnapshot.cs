namespace Gateway.Bench.Subscribers;

/// <summary>The counters of <see cref="SubscriberStats"/> at one moment; subtract two to get one run's share.</summary>
internal readonly record struct SubscriberStatsSnapshot(int Reconnects, int Resets, int ReconnectAdvice, int GaveUp)
{
    public static SubscriberStatsSnapshot operator -(SubscriberStatsSnapshot a, SubscriberStatsSnapshot b) =>
        new(a.Reconnects - b.Reconnects, a.Resets - b.Resets, a.ReconnectAdvice - b.ReconnectAdvice, a.GaveUp - b.GaveUp);

    public SubscriberStatsSnapshot Subtract(SubscriberStatsSnapshot other) => this - other;
}
