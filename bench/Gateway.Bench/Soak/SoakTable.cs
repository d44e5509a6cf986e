using System.Globalization;
using System.Text;

namespace Gateway.Bench.Soak;

/// <summary>Renders the soak as Markdown: loss per transport, then memory and what was left at rest.</summary>
internal static class SoakTable
{
    public static string Render(SoakResult r)
    {
        var b = new StringBuilder();
        b.Append(CultureInfo.InvariantCulture, $"## soak: {r.Clients} clients dropping and resuming for {F(r.DurationSeconds / 60, 1)} min ({r.StartedUtc:yyyy-MM-dd HH:mm:ss} UTC)\n\n");
        b.Append(CultureInfo.InvariantCulture,
            $"{r.Clients} clients on one subject, a quarter per transport, each dropping its connection after 2-30 s and resuming by cursor; {r.Rate} events/s through NATS; {r.Reconnects} reconnects in all. ");
        b.Append(CultureInfo.InvariantCulture,
            $"{r.Machine.ProcessorCount} cores, load average {F(r.Machine.LoadAverageBefore, 2)} before / {F(r.Machine.LoadAverageAfter, 2)} after, {F(r.WallSeconds, 0)} s wall. **{(r.Passed ? "passed" : "FAILED")}**\n\n");
        b.Append("| transport | clients | deliveries expected | missing | duplicates (before dedupe) | out of order | resets | errors | delivery p50 / p99 / max ms |\n");
        b.Append("|---|--:|--:|--:|--:|--:|--:|--:|--:|\n");
        foreach (var t in r.Transports)
        {
            b.Append(CultureInfo.InvariantCulture,
                $"| {t.Transport} | {t.Clients} | {t.Expected} | {t.Missing} | {t.Duplicates} | {t.OutOfOrder} | {t.Resets} | {t.Failures} | {F(t.LatencyMs.P50, 1)} / {F(t.LatencyMs.P99, 0)} / {F(t.LatencyMs.Max, 0)} |\n");
        }

        b.Append("\n| | |\n|---|--:|\n");
        b.Append(CultureInfo.InvariantCulture, $"| gateway RSS after the warm-up | {r.RssAfterWarmUpKb / 1024} MB |\n");
        b.Append(CultureInfo.InvariantCulture, $"| gateway RSS peak | {r.RssPeakKb / 1024} MB |\n");
        b.Append(CultureInfo.InvariantCulture, $"| gateway RSS at rest (allowed) | {r.RssAtRestKb / 1024} MB ({r.RssAllowedAtRestKb / 1024} MB) |\n");
        b.Append(CultureInfo.InvariantCulture, $"| RSS slope over the second half | {F(r.RssSlopeKbPerHour / 1024, 1)} MB/h |\n");
        b.Append(CultureInfo.InvariantCulture, $"| sessions / broker subscriptions at rest | {r.SessionsAtRest} / {r.BrokerSubscriptionsAtRest} |\n");
        return b.ToString();
    }

    private static string F(double value, int digits) => value.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
