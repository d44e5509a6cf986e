using System.Globalization;
using System.Text;
using Gateway.Bench.Results;

namespace Gateway.Bench.Notify;

/// <summary>Renders the notify scenario as Markdown: the two runs, then PUT over baseline.</summary>
internal static class NotifyTable
{
    public static string Render(NotifyResult r)
    {
        var b = new StringBuilder();
        b.Append(CultureInfo.InvariantCulture, $"## notify: PUT through the gateway -> `changed` at {r.Subscribers} SSE subscribers ({r.StartedUtc:yyyy-MM-dd HH:mm:ss} UTC)\n\n");
        b.Append(CultureInfo.InvariantCulture,
            $"{r.Writes} writes per run, one every {F(r.IntervalMs, 0)} ms. `put`: PUT /items/1 through the gateway to an in-process backend; the route's " +
            $"`Push.Notify` publishes `changed`. `publish` (baseline): the same payload through the management port's POST /publish/items.1. " +
            $"Latency is per (write, subscriber) pair. {r.Machine.ProcessorCount} cores, load average {F(r.Machine.LoadAverageBefore, 2)} before / " +
            $"{F(r.Machine.LoadAverageAfter, 2)} after, {F(r.WallSeconds, 0)} s wall.\n\n");

        b.Append("| path | from | p50 ms | p95 ms | p99 ms | max ms | within 100 ms | write round trip p50 / p99 ms | missing | dup | out of order | unexpected | failed writes |\n");
        b.Append("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
        foreach (var run in r.Runs)
        {
            Row(b, run, "response", run.FromResponseMs, run.Within100MsOfResponse);
            Row(b, run, "sent", run.FromSentMs, run.Within100MsOfSent);
        }

        if (r.Runs.FirstOrDefault(x => x.Path == "publish") is { } baseline && r.Runs.FirstOrDefault(x => x.Path == "put") is { } put)
        {
            b.Append("\n| put / publish | p50 | p95 | p99 | max |\n|---|--:|--:|--:|--:|\n");
            Ratio(b, "from response", put.FromResponseMs, baseline.FromResponseMs);
            Ratio(b, "from sent", put.FromSentMs, baseline.FromSentMs);
            Ratio(b, "write round trip", put.WriteMs, baseline.WriteMs);
        }

        b.Append(CultureInfo.InvariantCulture, $"\nGateway published ok, by source (warm-up included): {Pairs(r.GatewayPublished)}; publish errors: {Pairs(r.GatewayPublishErrors)}; sessions closed: {Pairs(r.GatewaySessionsClosed)}; warnings/errors logged: {r.GatewayProblemLog.Count}.\n");
        b.Append(r.Passed
            ? "Every write reached every subscriber once, in order, with the expected payload.\n"
            : "FAILED: see missing / out of order / unexpected / failed writes above.\n");
        return b.ToString();
    }

    private static void Row(StringBuilder b, NotifyRun run, string from, LatencyStats l, double within) =>
        b.Append(CultureInfo.InvariantCulture,
            $"| {run.Path} | {from} | {F(l.P50, 1)} | {F(l.P95, 1)} | {F(l.P99, 1)} | {F(l.Max, 1)} | {F(within * 100, 2)} % | " +
            $"{F(run.WriteMs.P50, 1)} / {F(run.WriteMs.P99, 1)} | {run.Missing}{(run.TimedOut ? " (timed out)" : "")} | {run.Duplicates} | {run.OutOfOrder} | {run.Unexpected} | {run.FailedWrites} |\n");

    private static void Ratio(StringBuilder b, string name, LatencyStats put, LatencyStats baseline) =>
        b.Append(CultureInfo.InvariantCulture, $"| {name} | {R(put.P50, baseline.P50)} | {R(put.P95, baseline.P95)} | {R(put.P99, baseline.P99)} | {R(put.Max, baseline.Max)} |\n");

    private static string R(double value, double baseline) => baseline > 0 ? F(value / baseline, 2) : "-";

    private static string F(double value, int decimals) => value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static string Pairs(IReadOnlyDictionary<string, double> values) =>
        values.Count == 0 || values.Values.All(v => v == 0)
            ? "none"
            : string.Join(", ", values.Where(p => p.Value != 0).Select(p => $"{p.Key} {p.Value.ToString("N0", CultureInfo.InvariantCulture)}"));
}
