namespace Gateway.Bench.Polling;

/// <summary>One subject's pollers over the measured seconds.</summary>
internal sealed record PollingGroup
{
    /// <summary><c>quiet</c> or <c>busy</c>.</summary>
    public required string Subject { get; init; }

    public required int Pollers { get; init; }

    public required double EventsPerSecond { get; init; }

    public required long Requests { get; init; }

    public required double RequestsPerSecond { get; init; }

    public double RequestsPerPollerPerSecond => Pollers > 0 ? RequestsPerSecond / Pollers : 0;

    public required long Ok { get; init; }

    public required long NotModified { get; init; }

    public required long Failed { get; init; }

    public required long EventsReceived { get; init; }

    public required double MeanHintSeconds { get; init; }

    public required double MinHintSeconds { get; init; }

    public required double MaxHintSeconds { get; init; }

    /// <summary>Distinct hints (to the millisecond): more than one means the pollers are not in lockstep.</summary>
    public required int DistinctHints { get; init; }
}
