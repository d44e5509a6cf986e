using Gateway.Bench.Results;

namespace Gateway.Bench.Drain;

/// <summary>What the clients of one transport saw in the drain scenario.</summary>
internal sealed record DrainTransportRow
{
    public required string Transport { get; init; }

    public required int Clients { get; init; }

    /// <summary>Clients x events published.</summary>
    public required long Expected { get; init; }

    /// <summary>Distinct (client, event) pairs received.</summary>
    public required long Delivered { get; init; }

    public long Missing => Expected - Delivered;

    /// <summary>Copies of an event a client already had, dropped by its dedupe (at-least-once across a move).</summary>
    public required long Duplicates { get; init; }

    /// <summary>Events that arrived after a later one, after dedupe.</summary>
    public required long OutOfOrder { get; init; }

    public required int Resets { get; init; }

    /// <summary>Clients that ended on B.</summary>
    public required int MovedToB { get; init; }

    /// <summary>Reconnect advice received (frames, <c>gateway.reconnect</c>, poll <c>"reconnect"</c>).</summary>
    public required int Advised { get; init; }

    public required int RateLimited { get; init; }

    public required int Unavailable { get; init; }

    /// <summary>Network errors, timeouts and streams that ended without advice.</summary>
    public required int Failures { get; init; }

    /// <summary>Publish-to-receive latency over every delivery (moves included).</summary>
    public required LatencyStats LatencyMs { get; init; }

    /// <summary>From the drain request to each client's first working exchange with B.</summary>
    public required LatencyStats ToBMs { get; init; }
}
