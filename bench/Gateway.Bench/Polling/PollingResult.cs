using Gateway.Bench.Results;

namespace Gateway.Bench.Polling;

/// <summary>Everything the polling scenario measured: written as JSON and rendered by <see cref="PollingTable"/>.</summary>
internal sealed record PollingResult
{
    public string Scenario => "polling";

    public required DateTimeOffset StartedUtc { get; init; }

    public required double WallSeconds { get; init; }

    public required MachineInfo Machine { get; init; }

    public required double MeasuredSeconds { get; init; }

    public required double MinIntervalSeconds { get; init; }

    public required double MaxIntervalSeconds { get; init; }

    public required IReadOnlyList<PollingGroup> Groups { get; init; }

    /// <summary>GETs that reached the backend behind the polled route while the pollers ran (0: every poll, 304 or not, was answered at the edge).</summary>
    public required long BackendRequests { get; init; }

    /// <summary>Gateway CPU milliseconds per poll answered (200 or 304) over the measured seconds, publishing and NATS included.</summary>
    public required double GatewayCpuMsPerPoll { get; init; }

    public required bool GatewayUp { get; init; }

    public required IReadOnlyList<string> GatewayProblemLog { get; init; }

    public required IReadOnlyList<string> NatsServerProblemLog { get; init; }

    /// <summary>The busy subject's pollers were told to poll more often than the quiet one's, no poll failed, none reached the backend.</summary>
    public bool Passed => GatewayUp && BackendRequests == 0 && Groups.All(g => g.Failed == 0) &&
        Groups.Count == 2 && Groups[1].RequestsPerPollerPerSecond > Groups[0].RequestsPerPollerPerSecond;
}
