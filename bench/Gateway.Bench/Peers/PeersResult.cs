using Gateway.Bench.Results;

namespace Gateway.Bench.Peers;

/// <summary>Everything one run of <c>bench/peers.sh</c> measured, in the order it was measured.</summary>
internal sealed record PeersResult
{
    public string Scenario => "peers";

    public required DateTimeOffset StartedUtc { get; init; }

    public required double WallSeconds { get; init; }

    public required bool Quick { get; init; }

    public required MachineInfo Machine { get; init; }

    /// <summary>nginx, nchan, nats-server and wrk versions as they report themselves.</summary>
    public required IReadOnlyDictionary<string, string> Versions { get; init; }

    public required PeerSizes Sizes { get; init; }

    public required IReadOnlyList<DeliveryRow> Delivery { get; init; }

    public required IReadOnlyList<IdleRow> Idle { get; init; }

    public required IReadOnlyList<RestRow> Rest { get; init; }

    /// <summary>Warning and error lines of the servers (the first 50 each).</summary>
    public required IReadOnlyDictionary<string, IReadOnlyList<string>> ProblemLog { get; init; }

    /// <summary>Every gateway run delivered every event once, in order.</summary>
    public bool Passed => Delivery.Where(d => d.Target.StartsWith("gateway", StringComparison.Ordinal)).All(d => d.Run.Lossless && d.Run.Duplicates == 0);
}
