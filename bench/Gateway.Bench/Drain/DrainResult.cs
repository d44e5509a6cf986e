using Gateway.Bench.Results;

namespace Gateway.Bench.Drain;

/// <summary>Everything the drain scenario measured: written as JSON and rendered by <see cref="DrainTable"/>.</summary>
internal sealed record DrainResult
{
    public string Scenario => "drain";

    public required DateTimeOffset StartedUtc { get; init; }

    public required double WallSeconds { get; init; }

    public required MachineInfo Machine { get; init; }

    public required int Clients { get; init; }

    public required int Rate { get; init; }

    public required double WindowSeconds { get; init; }

    public required double GraceSeconds { get; init; }

    public required int BucketRate { get; init; }

    public required int BucketBurst { get; init; }

    public required int Published { get; init; }

    public required long StoredInStream { get; init; }

    /// <summary>Seconds from the drain request until A had no session left (readyz); null if it never emptied.</summary>
    public required double? AEmptySeconds { get; init; }

    /// <summary>Sessions on A when the drain was requested (streams and held long polls).</summary>
    public required int ASessionsAtDrain { get; init; }

    public required IReadOnlyList<DrainTransportRow> Transports { get; init; }

    /// <summary>B's <c>gateway_reconnects_rejected_total</c> by reason, and A's.</summary>
    public required IReadOnlyDictionary<string, double> BRejected { get; init; }

    public required IReadOnlyDictionary<string, double> ARejected { get; init; }

    /// <summary>A's <c>gateway_sessions_closed_total</c> by reason.</summary>
    public required IReadOnlyDictionary<string, double> AClosed { get; init; }

    /// <summary>B's sessions started per second, highest over any 500 ms sample interval (streams only: polls are not sessions there).</summary>
    public required double BPeakStartsPerSecond { get; init; }

    /// <summary>Client side: the most clients (all transports) whose first working exchange with B fell in one second.</summary>
    public required int BPeakArrivalsPerSecond { get; init; }

    /// <summary>Client side: first working exchanges with B per whole second after the drain request.</summary>
    public required IReadOnlyList<int> BArrivalsPerSecond { get; init; }

    public required IReadOnlyDictionary<string, double> BHistoryReads { get; init; }

    public required IReadOnlyList<DrainSample> Timeline { get; init; }

    public required bool BothInstancesUp { get; init; }

    public required IReadOnlyList<string> GatewayAProblemLog { get; init; }

    public required IReadOnlyList<string> GatewayBProblemLog { get; init; }

    public required IReadOnlyList<string> NatsServerProblemLog { get; init; }

    public long Missing => Transports.Sum(t => t.Missing);

    public long OutOfOrder => Transports.Sum(t => t.OutOfOrder);

    /// <summary>No loss, no disorder, A emptied, every client ended on B, both processes alive.</summary>
    public bool Passed => Missing == 0 && OutOfOrder == 0 && AEmptySeconds is not null && BothInstancesUp && Transports.All(t => t.MovedToB == t.Clients);
}
