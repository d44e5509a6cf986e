namespace Gateway.Bench.Results;

/// <summary>One publish run over one delivery path: M events to N subscribers.</summary>
internal sealed record RunResult
{
    /// <summary><c>paced</c> (at the target rate) or <c>max</c> (as fast as possible).</summary>
    public required string Variant { get; init; }

    /// <summary><c>nats-direct</c> (the baseline), <c>gateway-sse</c> or <c>gateway-websocket</c>.</summary>
    public required string Path { get; init; }

    public required int Subscribers { get; init; }

    public required int Events { get; init; }

    /// <summary>Target publish rate in events/s; null for as fast as possible.</summary>
    public int? TargetRate { get; init; }

    public required double PublishedPerSecond { get; init; }

    /// <summary>Messages the JetStream stream gained during the run (should equal <see cref="Events"/>).</summary>
    public required long StoredInStream { get; init; }

    /// <summary>Subscribers x events.</summary>
    public required long Expected { get; init; }

    /// <summary>Distinct (subscriber, event) pairs received.</summary>
    public required long Delivered { get; init; }

    public long Missing => Expected - Delivered;

    public required long Duplicates { get; init; }

    /// <summary>Events that arrived after a later event of the same subscriber.</summary>
    public required long OutOfOrder { get; init; }

    /// <summary>Events of another run (late arrivals after a previous run timed out).</summary>
    public required long Stray { get; init; }

    /// <summary>From the first publish to the last receive, in seconds.</summary>
    public required double Seconds { get; init; }

    /// <summary><see cref="Delivered"/> / <see cref="Seconds"/>.</summary>
    public required double DeliveredPerSecond { get; init; }

    public required LatencyStats LatencyMs { get; init; }

    /// <summary>CPU seconds each process used from the first publish to the end of the run.</summary>
    public required Hosting.CpuSnapshot CpuSeconds { get; init; }

    /// <summary>nats-server + gateway CPU per delivered event, in microseconds: the server side's cost of one delivery.</summary>
    public double ServerCpuMicrosPerDelivery => Delivered > 0 ? (CpuSeconds.NatsServer + CpuSeconds.Gateway) * 1e6 / Delivered : 0;

    public required int Reconnects { get; init; }

    public required int ReconnectAdvice { get; init; }

    public required int Resets { get; init; }

    public required int GaveUp { get; init; }

    /// <summary>The run ended on its time limit or a stall, not because everything arrived.</summary>
    public required bool TimedOut { get; init; }

    /// <summary>Subscribers that did not get every event.</summary>
    public required int IncompleteSubscribers { get; init; }

    /// <summary>Subscribers by state when the run ended (connecting, receiving, waiting to reconnect, stopped).</summary>
    public IReadOnlyDictionary<string, int> SubscriberStates { get; init; } = new Dictionary<string, int>();

    public bool Lossless => Missing == 0 && OutOfOrder == 0 && GaveUp == 0;
}
