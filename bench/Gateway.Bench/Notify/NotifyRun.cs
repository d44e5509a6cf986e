using Gateway.Bench.Results;

namespace Gateway.Bench.Notify;

/// <summary>One run: W writes, one every interval, and the <c>changed</c> event of each at every subscriber.</summary>
internal sealed record NotifyRun
{
    /// <summary><c>publish</c> (baseline) or <c>put</c>.</summary>
    public required string Path { get; init; }

    public required int Writes { get; init; }

    public required int FailedWrites { get; init; }

    public required int Subscribers { get; init; }

    /// <summary>Successful writes x subscribers.</summary>
    public required long Expected { get; init; }

    public required long Delivered { get; init; }

    public long Missing => Expected - Delivered;

    public required long Duplicates { get; init; }

    public required long OutOfOrder { get; init; }

    public required long Unexpected { get; init; }

    public required int Reconnects { get; init; }

    /// <summary>The write's own round trip: request sent to response read.</summary>
    public required LatencyStats WriteMs { get; init; }

    /// <summary>From the write's response arriving at the client to the event arriving at each subscriber (can be negative).</summary>
    public required LatencyStats FromResponseMs { get; init; }

    /// <summary>From the write being sent to the event arriving at each subscriber.</summary>
    public required LatencyStats FromSentMs { get; init; }

    /// <summary>Fraction of all expected (write, subscriber) pairs whose event arrived within 100 ms of the response.</summary>
    public required double Within100MsOfResponse { get; init; }

    public required double Within100MsOfSent { get; init; }

    public required bool TimedOut { get; init; }
}
