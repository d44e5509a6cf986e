namespace Gateway.Bench.Results;

/// <summary>Publish-to-receive latency over every (subscriber, event) pair of a run, in milliseconds.</summary>
internal sealed record LatencyStats(double P50, double P95, double P99, double Max, double Mean, long Samples)
{
    public static readonly LatencyStats Empty = new(0, 0, 0, 0, 0, 0);

    /// <summary>Nearest-rank percentiles of <paramref name="micros"/>, which this sorts in place.</summary>
    public static LatencyStats FromMicroseconds(Span<int> micros)
    {
        if (micros.IsEmpty)
        {
            return Empty;
        }

        micros.Sort();
        double sum = 0;
        foreach (var v in micros)
        {
            sum += v;
        }

        return new LatencyStats(
            Rank(micros, 0.50) / 1000.0, Rank(micros, 0.95) / 1000.0, Rank(micros, 0.99) / 1000.0, micros[^1] / 1000.0, sum / micros.Length / 1000.0, micros.Length);
    }

    private static int Rank(ReadOnlySpan<int> sorted, double quantile) =>
        sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Length) - 1, 0, sorted.Length - 1)];
}
