using Gateway.Bench.Results;

namespace Gateway.Bench.Notify;

/// <summary>Everything the notify scenario measured: written as JSON and rendered by <see cref="NotifyTable"/>.</summary>
internal sealed record NotifyResult
{
    public string Scenario => "notify";

    public required DateTimeOffset StartedUtc { get; init; }

    public required double WallSeconds { get; init; }

    public required MachineInfo Machine { get; init; }

    public required int Subscribers { get; init; }

    public required int Writes { get; init; }

    public required double IntervalMs { get; init; }

    /// <summary>The baseline run (<c>publish</c>) and the notify-on-write run (<c>put</c>).</summary>
    public required IReadOnlyList<NotifyRun> Runs { get; init; }

    /// <summary><c>gateway_published_total{result="ok"}</c> by source (<c>notify</c>, <c>http</c>), and the errors.</summary>
    public required IReadOnlyDictionary<string, double> GatewayPublished { get; init; }

    public required IReadOnlyDictionary<string, double> GatewayPublishErrors { get; init; }

    /// <summary><c>gateway_sessions_closed_total</c> of the push route by reason.</summary>
    public required IReadOnlyDictionary<string, double> GatewaySessionsClosed { get; init; }

    public required bool GatewayUp { get; init; }

    public required IReadOnlyList<string> GatewayProblemLog { get; init; }

    public required IReadOnlyList<string> NatsServerProblemLog { get; init; }

    /// <summary>Every write succeeded and reached every subscriber, in order, once, with the expected payload.</summary>
    public bool Passed => GatewayUp && Runs.All(r => r.Missing == 0 && r.FailedWrites == 0 && r.OutOfOrder == 0 && r.Unexpected == 0);
}
