using System.Diagnostics;

namespace Gateway.Bench.Results;

/// <summary>Rates from lists of <see cref="Stopwatch"/> timestamps (connects, arrivals).</summary>
internal static class Timestamps
{
    /// <summary>The most timestamps that fall within any one second; sorts <paramref name="timestamps"/>.</summary>
    public static int PeakPerSecond(List<long> timestamps)
    {
        timestamps.Sort();
        var peak = 0;
        for (int first = 0, last = 0; last < timestamps.Count; last++)
        {
            while (timestamps[last] - timestamps[first] >= Stopwatch.Frequency)
            {
                first++;
            }

            peak = Math.Max(peak, last - first + 1);
        }

        return peak;
    }

    /// <summary>How many timestamps fall in each whole second after <paramref name="start"/>.</summary>
    public static int[] PerSecond(IReadOnlyCollection<long> timestamps, long start)
    {
        if (timestamps.Count == 0)
        {
            return [];
        }

        var counts = new int[(int)((timestamps.Max() - start) / Stopwatch.Frequency) + 1];
        foreach (var t in timestamps)
        {
            counts[(int)(Math.Max(0, t - start) / Stopwatch.Frequency)]++;
        }

        return counts;
    }
}
