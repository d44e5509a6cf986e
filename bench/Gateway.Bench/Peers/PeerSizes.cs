namespace Gateway.Bench.Peers;

/// <summary>
/// How big each part of the comparison is. <see cref="Full"/> is issue 12's table; <see cref="Quick"/> runs the same
/// steps smaller, in about two minutes, to check that the command works end to end (its numbers mean little).
/// </summary>
internal sealed record PeerSizes(
    int Subscribers,
    int Events,
    int Rate,
    int ManySubscribers,
    int ManyEvents,
    int ManyRate,
    int Held,
    int RestConnections,
    TimeSpan RestDuration,
    TimeSpan RestWarmUp,
    int RestRounds,
    int WarmUpEvents)
{
    public static readonly PeerSizes Full = new(1000, 200, 20, 10_000, 100, 10, 5000, 50, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(3), 2, 20);

    public static readonly PeerSizes Quick = new(100, 40, 20, 1000, 20, 10, 500, 50, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1), 1, 10);
}
