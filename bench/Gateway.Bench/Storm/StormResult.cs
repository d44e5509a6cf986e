using Gateway.Bench.Results;

namespace Gateway.Bench.Storm;

/// <summary>Everything the storm scenario measured: written as JSON and rendered by <see cref="StormTable"/>.</summary>
internal sealed record StormResult
{
    public string Scenario => "storm";

    public required DateTimeOffset StartedUtc { get; init; }

    public required double WallSeconds { get; init; }

    public required MachineInfo Machine { get; init; }

    public required int Clients { get; init; }

    public required int BucketRate { get; init; }

    public required int BucketBurst { get; init; }

    /// <summary>Clients whose upgrade succeeded before the time limit.</summary>
    public required int Connected { get; init; }

    /// <summary>From the storm's start to the last client's successful upgrade; null if not all got in.</summary>
    public required double? AllConnectedSeconds { get; init; }

    /// <summary>What the bucket allows: (N - burst) / rate seconds.</summary>
    public double PredictedSeconds => Math.Max(0, Clients - BucketBurst) / (double)BucketRate;

    public required double FirstBurstSeconds { get; init; }

    /// <summary>The most upgrades that succeeded within any one second (client side).</summary>
    public required int PeakConnectsPerSecond { get; init; }

    /// <summary>Successful upgrades per whole second since the storm began (client side).</summary>
    public required IReadOnlyList<int> ConnectsPerSecond { get; init; }

    public required long Attempts { get; init; }

    public required long Refused { get; init; }

    public required long Errors { get; init; }

    public required long Dropped { get; init; }

    /// <summary><c>gateway_reconnects_rejected_total</c> by reason.</summary>
    public required IReadOnlyDictionary<string, double> GatewayRejected { get; init; }

    /// <summary><c>gateway_sessions_active{transport="websocket"}</c> once the storm was over.</summary>
    public required double GatewaySessionsAfter { get; init; }

    /// <summary>Probe latency per phase (baseline, storm, after) and target (healthz, rest).</summary>
    public required IReadOnlyList<ProbeStats> Probes { get; init; }

    public required double GatewayCpuSecondsDuringStorm { get; init; }

    public required long GatewayRssBeforeKb { get; init; }

    public required long GatewayRssAfterKb { get; init; }

    public required long GatewayRssHighWaterKb { get; init; }

    public required bool GatewayUp { get; init; }

    public required IReadOnlyList<string> GatewayProblemLog { get; init; }

    public required IReadOnlyList<string> NatsServerProblemLog { get; init; }

    /// <summary>Every client got in and the gateway is still up (answers /healthz) after the storm.</summary>
    public bool Passed => Connected == Clients && GatewayUp;
}
