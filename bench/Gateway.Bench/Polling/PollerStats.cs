namespace Gateway.Bench.Polling;

/// <summary>What one short poller counted while the measurement ran (written by its loop only, read after it ended).</summary>
internal sealed class PollerStats
{
    public long Requests { get; set; }

    public long Ok { get; set; }

    public long NotModified { get; set; }

    public long Failed { get; set; }

    public long Events { get; set; }

    /// <summary>Sum of the <c>X-Poll-Interval</c> hints received, in seconds (mean = sum / answers).</summary>
    public double HintSeconds { get; set; }

    public double MinHint { get; set; } = double.MaxValue;

    public double MaxHint { get; set; }

    /// <summary>The hints seen, to the millisecond (bounded by the route's range).</summary>
    public HashSet<long> DistinctHintsMs { get; } = [];

    public void Hint(double seconds)
    {
        DistinctHintsMs.Add((long)Math.Round(seconds * 1000));
        HintSeconds += seconds;
        MinHint = Math.Min(MinHint, seconds);
        MaxHint = Math.Max(MaxHint, seconds);
    }
}
