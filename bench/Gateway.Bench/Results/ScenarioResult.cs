namespace Gateway.Bench.Results;

/// <summary>Everything one scenario measured: written as JSON and rendered as the Markdown table.</summary>
internal sealed record ScenarioResult
{
    public required string Scenario { get; init; }

    public required string Transport { get; init; }

    public required DateTimeOffset StartedUtc { get; init; }

    public required double WallSeconds { get; init; }

    public required MachineInfo Machine { get; init; }

    public required ScenarioSettings Settings { get; init; }

    public required IReadOnlyList<RunResult> Runs { get; init; }

    public required IReadOnlyList<RatioResult> Ratios { get; init; }

    public required MemoryResult Memory { get; init; }

    /// <summary>What nats-server held for the gateway (monitoring endpoint) before the clients, with them idle, after the runs.</summary>
    public NatsResult? Nats { get; init; }

    /// <summary><c>gateway_sessions_closed_total</c> of the bench route by reason (slow consumers show here).</summary>
    public required IReadOnlyDictionary<string, double> GatewaySessionsClosed { get; init; }

    /// <summary><c>gateway_events_dropped_total</c> of the bench route by reason.</summary>
    public required IReadOnlyDictionary<string, double> GatewayEventsDropped { get; init; }

    /// <summary><c>gateway_history_reads_total</c> by result: sessions that fell behind the replay buffer and read JetStream.</summary>
    public required IReadOnlyDictionary<string, double> GatewayHistoryReads { get; init; }

    /// <summary>How many warning, error and critical lines the gateway logged.</summary>
    public required int GatewayProblemCount { get; init; }

    /// <summary>The gateway's warning, error and critical log lines (the first 50).</summary>
    public required IReadOnlyList<string> GatewayProblemLog { get; init; }

    /// <summary>nats-server's warning and error lines (the first 50): slow consumers, for one.</summary>
    public required IReadOnlyList<string> NatsServerProblemLog { get; init; }

    public bool Lossless => Runs.All(r => r.Lossless);
}
