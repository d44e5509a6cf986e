using System.Diagnostics;

namespace Gateway.Bench.Publishing;

/// <summary>What one publish run did: <see cref="Stopwatch"/> timestamps of the first and last publish, and how many
/// messages the JetStream stream gained meanwhile.</summary>
internal sealed record PublishResult(int Published, long FirstTimestamp, long LastTimestamp, long Stored)
{
    public double Seconds => (double)(LastTimestamp - FirstTimestamp) / Stopwatch.Frequency;

    public double PerSecond => Published > 1 && Seconds > 0 ? (Published - 1) / Seconds : Published;
}
