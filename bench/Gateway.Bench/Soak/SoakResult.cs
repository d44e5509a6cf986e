using Gateway.Bench.Drain;
using Gateway.Bench.Results;

namespace Gateway.Bench.Soak;

/// <summary>Everything the soak measured: written as JSON and rendered by <see cref="SoakTable"/>.</summary>
internal sealed record SoakResult
{
    public string Scenario => "soak";

    public required DateTimeOffset StartedUtc { get; init; }

    public required double WallSeconds { get; init; }

    public required MachineInfo Machine { get; init; }

    public required int Clients { get; init; }

    public required int Rate { get; init; }

    public required double DurationSeconds { get; init; }

    public required int Published { get; init; }

    /// <summary>Connections the clients dropped and resumed (every transport).</summary>
    public required long Reconnects { get; init; }

    public required IReadOnlyList<DrainTransportRow> Transports { get; init; }

    public required IReadOnlyList<SoakSample> Samples { get; init; }

    public required long RssAfterWarmUpKb { get; init; }

    public required long RssPeakKb { get; init; }

    /// <summary>RSS once every client had gone and the instance had no session and no broker subscription left.</summary>
    public required long RssAtRestKb { get; init; }

    public required long RssAllowedAtRestKb { get; init; }

    /// <summary>Least-squares slope of RSS over the second half of the run; a leak shows as a steady positive slope.</summary>
    public required double RssSlopeKbPerHour { get; init; }

    public required int SessionsAtRest { get; init; }

    public required int BrokerSubscriptionsAtRest { get; init; }

    public required bool GatewayUp { get; init; }

    public required IReadOnlyList<string> GatewayProblemLog { get; init; }

    public required IReadOnlyList<string> NatsServerProblemLog { get; init; }

    public bool Lossless => Transports.All(t => t.Missing == 0 && t.OutOfOrder == 0 && t.Resets == 0);

    public bool Passed => Lossless && GatewayUp && SessionsAtRest == 0 && BrokerSubscriptionsAtRest == 0 && RssAtRestKb <= RssAllowedAtRestKb;
}
