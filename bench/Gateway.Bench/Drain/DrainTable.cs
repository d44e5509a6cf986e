using System.Globalization;
using System.Text;

namespace Gateway.Bench.Drain;

/// <summary>Renders the drain scenario as Markdown: one row per transport, then the instance-level numbers.</summary>
internal static class DrainTable
{
    public static string Render(DrainResult r)
    {
        var b = new StringBuilder();
        b.Append(CultureInfo.InvariantCulture, $"## drain: {r.Clients} clients move from A to B while A drains ({r.StartedUtc:yyyy-MM-dd HH:mm:ss} UTC)\n\n");
        b.Append(CultureInfo.InvariantCulture,
            $"{r.Clients} clients on one subject, a quarter per transport, all on A from one cursor; {r.Rate} events/s published through NATS from 5 s before the drain until 10 s after A was empty. ");
        b.Append(CultureInfo.InvariantCulture,
            $"A: drain window {F(r.WindowSeconds, 0)} s + grace {F(r.GraceSeconds, 0)} s, no exit. Both: global connect bucket {r.BucketRate}/s, burst {r.BucketBurst}. ");
        b.Append(CultureInfo.InvariantCulture,
            $"{r.Machine.ProcessorCount} cores, load average {F(r.Machine.LoadAverageBefore, 2)} before / {F(r.Machine.LoadAverageAfter, 2)} after, {F(r.WallSeconds, 0)} s wall.\n\n");

        b.Append("| transport | clients | deliveries expected | missing | duplicates (before dedupe) | out of order (after dedupe) | resets | moved to B | reconnect advice | 429 | 503 | errors | drain to B p50 / max s | delivery p50 / p99 / max ms |\n");
        b.Append("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
        foreach (var t in r.Transports)
        {
            b.Append(CultureInfo.InvariantCulture,
                $"| {t.Transport} | {t.Clients} | {N(t.Expected)} | {t.Missing} | {t.Duplicates} | {t.OutOfOrder} | {t.Resets} | {t.MovedToB} | {t.Advised} | {t.RateLimited} | {t.Unavailable} | {t.Failures} | " +
                $"{F(t.ToBMs.P50 / 1000, 1)} / {F(t.ToBMs.Max / 1000, 1)} | {F(t.LatencyMs.P50, 1)} / {F(t.LatencyMs.P99, 0)} / {F(t.LatencyMs.Max, 0)} |\n");
        }

        b.Append("\n| | |\n|---|--:|\n");
        b.Append(CultureInfo.InvariantCulture, $"| sessions on A at the drain request (streams + held long polls) | {r.ASessionsAtDrain} |\n");
        b.Append(CultureInfo.InvariantCulture, $"| A empty after the drain request | {(r.AEmptySeconds is { } e ? F(e, 1) + " s" : "never")} (window {F(r.WindowSeconds, 0)} s + grace {F(r.GraceSeconds, 0)} s) |\n");
        b.Append(CultureInfo.InvariantCulture, $"| events published / stored in the stream | {N(r.Published)} / {N(r.StoredInStream)} |\n");
        b.Append(CultureInfo.InvariantCulture, $"| B `gateway_reconnects_rejected_total{{reason=\"global_rate\"}}` | {N(r.BRejected.GetValueOrDefault("global_rate"))} |\n");
        b.Append(CultureInfo.InvariantCulture, $"| B peak sessions started per second (500 ms samples of `gateway_sessions_started_total`; streams only) | {F(r.BPeakStartsPerSecond, 0)} (bucket {r.BucketRate}/s, burst {r.BucketBurst}) |\n");
        b.Append(CultureInfo.InvariantCulture, $"| B peak client arrivals in any 1 s (client side, all transports) | {r.BPeakArrivalsPerSecond} |\n");
        b.Append(CultureInfo.InvariantCulture, $"| B history reads (resumes older than B's replay buffer) | {Pairs(r.BHistoryReads)} |\n");
        b.Append(CultureInfo.InvariantCulture, $"| A sessions closed, by reason | {Pairs(r.AClosed)} |\n");
        b.Append(CultureInfo.InvariantCulture, $"| A refusals, by reason | {Pairs(r.ARejected)} |\n");
        b.Append(CultureInfo.InvariantCulture, $"| B refusals, by reason | {Pairs(r.BRejected)} |\n");
        b.Append(CultureInfo.InvariantCulture, $"| warnings/errors logged by A / B | {r.GatewayAProblemLog.Count} / {r.GatewayBProblemLog.Count} |\n\n");
        b.Append(r.Passed
            ? "Every client received every event, in order after dedupe, and ended on B; A emptied and both instances stayed up.\n"
            : $"FAILED: missing {r.Missing}, out of order {r.OutOfOrder}, A empty {(r.AEmptySeconds is null ? "never" : "yes")}, both up {r.BothInstancesUp}, moved {r.Transports.Sum(t => t.MovedToB)}/{r.Clients}.\n");
        return b.ToString();
    }

    private static string F(double value, int decimals) => value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static string N(double value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Pairs(IReadOnlyDictionary<string, double> values) =>
        values.Count == 0 || values.Values.All(v => v == 0)
            ? "none"
            : string.Join(", ", values.Where(p => p.Value != 0).Select(p => $"{p.Key} {N(p.Value)}"));
}
