using System.Globalization;
using System.Text;
using Gateway.Bench.Results;

namespace Gateway.Bench.Storm;

/// <summary>Renders the storm scenario as Markdown: admission against the bucket, then the probe latencies per phase.</summary>
internal static class StormTable
{
    public static string Render(StormResult r)
    {
        var b = new StringBuilder();
        b.Append(CultureInfo.InvariantCulture, $"## storm: {r.Clients} WebSocket clients at once against a {r.BucketRate}/s (burst {r.BucketBurst}) global bucket ({r.StartedUtc:yyyy-MM-dd HH:mm:ss} UTC)\n\n");
        b.Append(CultureInfo.InvariantCulture,
            $"One instance; refused clients wait a uniformly random part of Retry-After and retry. Probes: GET /healthz (management port) and GET /items/1 " +
            $"proxied to an in-process backend, each every 50 ms over a kept-alive connection. {r.Machine.ProcessorCount} cores, load average " +
            $"{F(r.Machine.LoadAverageBefore, 2)} before / {F(r.Machine.LoadAverageAfter, 2)} after, {F(r.WallSeconds, 0)} s wall.\n\n");

        b.Append("| admission | |\n|---|--:|\n");
        b.Append(CultureInfo.InvariantCulture, $"| connected | {r.Connected} / {r.Clients} |\n");
        b.Append(CultureInfo.InvariantCulture, $"| all connected after | {(r.AllConnectedSeconds is { } s ? F(s, 1) + " s" : "never")} |\n");
        b.Append(CultureInfo.InvariantCulture, $"| bucket's prediction (N - burst) / rate | {F(r.PredictedSeconds, 1)} s |\n");
        b.Append(CultureInfo.InvariantCulture, $"| measured / predicted | {(r.AllConnectedSeconds is { } a && r.PredictedSeconds > 0 ? F(a / r.PredictedSeconds, 2) : "-")} |\n");
        b.Append(CultureInfo.InvariantCulture, $"| first {Math.Min(r.Clients, r.BucketBurst)} (the burst) in | {F(r.FirstBurstSeconds, 2)} s |\n");
        b.Append(CultureInfo.InvariantCulture, $"| peak upgrades in any 1 s (client side) | {r.PeakConnectsPerSecond} |\n");
        b.Append(CultureInfo.InvariantCulture, $"| upgrades per second | {string.Join(" ", r.ConnectsPerSecond)} |\n");
        b.Append(CultureInfo.InvariantCulture, $"| attempts / refused (429) / other errors / dropped after upgrade | {N(r.Attempts)} / {N(r.Refused)} / {N(r.Errors)} / {N(r.Dropped)} |\n");
        b.Append(CultureInfo.InvariantCulture, $"| gateway refusals, by reason | {Pairs(r.GatewayRejected)} |\n");
        b.Append(CultureInfo.InvariantCulture, $"| gateway WebSocket sessions after the storm | {N(r.GatewaySessionsAfter)} |\n");
        b.Append(CultureInfo.InvariantCulture, $"| gateway CPU during the storm | {F(r.GatewayCpuSecondsDuringStorm, 1)} s |\n");
        b.Append(CultureInfo.InvariantCulture, $"| gateway VmRSS before / after / VmHWM | {Mb(r.GatewayRssBeforeKb)} / {Mb(r.GatewayRssAfterKb)} / {Mb(r.GatewayRssHighWaterKb)} |\n");
        b.Append(CultureInfo.InvariantCulture, $"| gateway up after the storm (/healthz 200) | {(r.GatewayUp ? "yes" : "NO")} |\n\n");

        b.Append("| probe | phase | requests | failed | p50 ms | p95 ms | p99 ms | max ms | p50 / baseline | p99 / baseline | max / baseline |\n");
        b.Append("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
        foreach (var p in r.Probes)
        {
            var baseline = r.Probes.First(x => x.Target == p.Target && x.Phase == "baseline").LatencyMs;
            var l = p.LatencyMs;
            b.Append(CultureInfo.InvariantCulture,
                $"| {p.Target} | {p.Phase} | {l.Samples} | {p.Failed} | {F(l.P50, 2)} | {F(l.P95, 2)} | {F(l.P99, 2)} | {F(l.Max, 1)} | " +
                $"{Ratio(l.P50, baseline.P50)} | {Ratio(l.P99, baseline.P99)} | {Ratio(l.Max, baseline.Max)} |\n");
        }

        b.Append(CultureInfo.InvariantCulture, $"\nWarnings/errors logged by the gateway: {r.GatewayProblemLog.Count}.\n");
        b.Append(r.Passed
            ? "Every client got in and the instance stayed up.\n"
            : $"FAILED: {r.Connected}/{r.Clients} connected, gateway up: {r.GatewayUp}.\n");
        return b.ToString();
    }

    private static string Ratio(double value, double baseline) => baseline > 0 ? F(value / baseline, 1) : "-";

    private static string F(double value, int decimals) => value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static string N(double value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Mb(long kb) => (kb / 1024.0).ToString("F1", CultureInfo.InvariantCulture) + " MB";

    private static string Pairs(IReadOnlyDictionary<string, double> values) =>
        values.Count == 0 || values.Values.All(v => v == 0)
            ? "none"
            : string.Join(", ", values.Where(p => p.Value != 0).Select(p => $"{p.Key} {N(p.Value)}"));
}
