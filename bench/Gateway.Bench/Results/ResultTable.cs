using System.Globalization;
using System.Text;

namespace Gateway.Bench.Results;

/// <summary>Renders a scenario as Markdown: the runs, the gateway/baseline ratios and the memory line.</summary>
internal static class ResultTable
{
    public static string Render(ScenarioResult r)
    {
        var s = r.Settings;
        var b = new StringBuilder();
        b.Append(CultureInfo.InvariantCulture, $"## {r.Scenario}: {r.Transport} through the gateway vs core NATS direct ({r.StartedUtc:yyyy-MM-dd HH:mm:ss} UTC)\n\n");
        b.Append(CultureInfo.InvariantCulture,
            $"N = {s.Subscribers} subscribers on one subject, M = {s.Events} events per variant, payload ~{s.PayloadBytes} B, baseline over {s.BaselineConnections} NATS connections. ");
        b.Append(CultureInfo.InvariantCulture,
            $"{r.Machine.ProcessorCount} cores, load average {F(r.Machine.LoadAverageBefore, 2)} before / {F(r.Machine.LoadAverageAfter, 2)} after, {F(r.WallSeconds, 0)} s wall.\n\n");

        b.Append("| variant | path | target ev/s | published ev/s | delivered ev/s | p50 ms | p95 ms | p99 ms | max ms | CPU s nats / gw / bench | server CPU µs/delivery | missing | dup | out of order | reconnects |\n");
        b.Append("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
        foreach (var run in r.Runs)
        {
            var l = run.LatencyMs;
            b.Append(CultureInfo.InvariantCulture,
                $"| {run.Variant} | {run.Path} | {(run.TargetRate is { } t ? N(t) : "max")} | {N(run.PublishedPerSecond)} | {N(run.DeliveredPerSecond)} | " +
                $"{F(l.P50, 2)} | {F(l.P95, 2)} | {F(l.P99, 2)} | {F(l.Max, 1)} | " +
                $"{F(run.CpuSeconds.NatsServer, 2)} / {F(run.CpuSeconds.Gateway, 2)} / {F(run.CpuSeconds.Bench, 2)} | {F(run.ServerCpuMicrosPerDelivery, 2)} | {run.Missing}{(run.TimedOut ? " (timed out)" : "")} | {run.Duplicates} | {run.OutOfOrder} | {run.Reconnects} |\n");
        }

        b.Append("\n| variant | throughput gateway/baseline | p50 gateway/baseline | p95 | p99 | max | server CPU per delivery gateway/baseline |\n");
        b.Append("|---|--:|--:|--:|--:|--:|--:|\n");
        foreach (var ratio in r.Ratios)
        {
            b.Append(CultureInfo.InvariantCulture,
                $"| {ratio.Variant} | {F(ratio.Throughput, 2)} | {F(ratio.P50, 1)} | {F(ratio.P95, 1)} | {F(ratio.P99, 1)} | {F(ratio.Max, 1)} | {F(ratio.ServerCpu, 1)} |\n");
        }

        var m = r.Memory;
        b.Append("\n| gateway VmRSS | before connect | N idle sessions | peak (sampled) | VmHWM | per idle session |\n");
        b.Append("|---|--:|--:|--:|--:|--:|\n");
        b.Append(CultureInfo.InvariantCulture,
            $"| {r.Transport} | {Mb(m.RssBeforeConnectKb)} | {Mb(m.RssIdleConnectedKb)} | {Mb(m.RssPeakSampledKb)} | {Mb(m.RssHighWaterKb)} | {F(m.KbPerIdleSession, 1)} KB |\n\n");

        if (r.Nats is { } n)
        {
            b.Append(CultureInfo.InvariantCulture,
                $"nats-server (/connz, /jsz): the gateway's subscriptions {n.Before.GatewaySubscriptions} before the clients, {n.Idle.GatewaySubscriptions} with N idle sessions; " +
                $"JetStream consumers {n.Before.Consumers} -> {n.Idle.Consumers}; after the runs JetStream stores {n.After.StoredMessages} messages in {n.After.StoredBytes} bytes " +
                $"({F(n.After.StoredMessages > 0 ? (double)n.After.StoredBytes / n.After.StoredMessages : 0, 0)} B per message).\n\n");
        }

        b.Append(CultureInfo.InvariantCulture, $"Gateway sessions closed (by reason): {Pairs(r.GatewaySessionsClosed)}; events dropped: {Pairs(r.GatewayEventsDropped)}; " +
            $"history reads (sessions behind the replay buffer): {Pairs(r.GatewayHistoryReads)}; warnings/errors logged: {r.GatewayProblemCount}.\n");
        b.Append(r.Lossless
            ? "Every subscriber received every event, in order, on both paths.\n"
            : "LOSS OR DISORDER: see the missing / out of order columns (and reconnects) above.\n");
        return b.ToString();
    }

    private static string F(double value, int decimals) => value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static string N(double value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Mb(long kb) => (kb / 1024.0).ToString("F1", CultureInfo.InvariantCulture) + " MB";

    private static string Pairs(IReadOnlyDictionary<string, double> values) =>
        values.Count == 0 || values.Values.All(v => v == 0)
            ? "none"
            : string.Join(", ", values.Where(p => p.Value != 0).Select(p => $"{p.Key} {p.Value.ToString("N0", CultureInfo.InvariantCulture)}"));
}
