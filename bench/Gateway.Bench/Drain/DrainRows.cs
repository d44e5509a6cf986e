using System.Diagnostics;
using Gateway.Bench.Results;

namespace Gateway.Bench.Drain;

/// <summary>Reduces the drain clients' logs to one row per transport.</summary>
internal static class DrainRows
{
    public static DrainTransportRow Row(string transport, List<DrainClient> clients, int published, long drainAt)
    {
        var latencies = new List<int>(clients.Count * published);
        long duplicates = 0, outOfOrder = 0;
        foreach (var client in clients)
        {
            var log = client.Log.LatencyUs;
            for (var i = 0; i < published && i < log.Length; i++)
            {
                if (log[i] >= 0)
                {
                    latencies.Add(log[i]);
                }
            }

            duplicates += client.Log.Duplicates;
            outOfOrder += client.Log.OutOfOrder;
        }

        var delivered = latencies.Count;
        var toB = clients.Where(c => c.ArrivedOnB != 0)
            .Select(c => (int)Math.Clamp((c.ArrivedOnB - drainAt) * 1_000_000 / Stopwatch.Frequency, 0, int.MaxValue))
            .ToArray();
        return new DrainTransportRow
        {
            Transport = transport,
            Clients = clients.Count,
            Expected = (long)clients.Count * published,
            Delivered = delivered,
            Duplicates = duplicates,
            OutOfOrder = outOfOrder,
            Resets = clients.Sum(c => c.Resets),
            MovedToB = clients.Count(c => c.OnB && c.ArrivedOnB != 0),
            Advised = clients.Sum(c => c.Advised),
            RateLimited = clients.Sum(c => c.RateLimited),
            Unavailable = clients.Sum(c => c.Unavailable),
            Failures = clients.Sum(c => c.Failures),
            LatencyMs = LatencyStats.FromMicroseconds(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(latencies)),
            ToBMs = LatencyStats.FromMicroseconds(toB),
        };
    }
}
