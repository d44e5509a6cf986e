using System.Globalization;
using System.Text;

namespace Gateway.Bench.Peers;

/// <summary>Renders a peers run as Markdown: the ratios issue 12 asks for first, then every raw number.</summary>
internal static class PeersReport
{
    public static string Render(PeersResult r, string command)
    {
        var s = r.Sizes;
        var md = new StringBuilder();
        md.AppendLine("# Benchmarks: the gateway against its peers").AppendLine();
        md.AppendLine(Inv($"Written by `{command}` on {r.StartedUtc:yyyy-MM-dd HH:mm} UTC ({(r.Quick ? "**quick mode: smoke-test sizes, not comparable numbers**" : "full sizes")}, {r.WallSeconds / 60:F1} min)."));
        md.AppendLine(Inv($"Machine: {r.Machine.ProcessorCount} cores, {r.Machine.Os}, {r.Machine.Runtime}; load average {r.Machine.LoadAverageBefore:F2} before, {r.Machine.LoadAverageAfter:F2} after."));
        md.AppendLine("Versions: " + string.Join("; ", r.Versions.Select(v => $"{v.Key} `{v.Value}`")) + ".").AppendLine();
        md.AppendLine("""
            Everything runs on this one machine over loopback: the servers, nats-server, `wrk` and the load generator
            (`bench/Gateway.Bench`, which publishes and subscribes in one process, so latency is publish-to-receive on one
            clock). All servers start together and take turns: each measurement connects its own clients, warms up on
            them, runs, and disconnects them. Absolute numbers move with the machine's load; the ratios compare runs made
            minutes apart and are what to read. How each peer is set up is in `bench/README.md` ("peers").
            """).AppendLine();

        md.AppendLine("## Ratios").AppendLine();
        md.AppendLine("Below 1 means the gateway is cheaper or faster (above 1 for requests/s). \"goal\" is issue 12's bar.").AppendLine();
        md.AppendLine("| measure | gateway | nchan | floor | gateway / nchan | gateway / floor | goal |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---|");
        foreach (var (workload, label) in Workloads(s))
        {
            var g = Find(r, workload, "gateway");
            var c = Find(r, workload, "nchan");
            var f = Find(r, workload, "floor");
            md.AppendLine(Inv($"| {label}: p99 ms | {Ms(g?.Run.LatencyMs.P99)} | {Ms(c?.Run.LatencyMs.P99)} | {Ms(f?.Run.LatencyMs.P99)} | {Ratio(g?.Run.LatencyMs.P99, c?.Run.LatencyMs.P99)} | {Ratio(g?.Run.LatencyMs.P99, f?.Run.LatencyMs.P99)} | <= nchan |"));
            if (workload != "sse-many")
            {
                md.AppendLine(Inv($"| {label}: server CPU-s | {Num(g?.ServerCpuSeconds, "F2")} | {Num(c?.ServerCpuSeconds, "F2")} | {Num(f?.ServerCpuSeconds, "F2")} | {Ratio(g?.ServerCpuSeconds, c?.ServerCpuSeconds)} | {Ratio(g?.ServerCpuSeconds, f?.ServerCpuSeconds)} | <= nchan |"));
            }
            else
            {
                md.AppendLine(Inv($"| {label}: server CPU-s | {Num(g?.ServerCpuSeconds, "F2")} | {Num(c?.ServerCpuSeconds, "F2")} | {Num(f?.ServerCpuSeconds, "F2")} | {Ratio(g?.ServerCpuSeconds, c?.ServerCpuSeconds)} | {Ratio(g?.ServerCpuSeconds, f?.ServerCpuSeconds)} | |"));
            }
        }

        foreach (var transport in new[] { "sse", "websocket" })
        {
            var g = r.Idle.FirstOrDefault(i => i.Target == "gateway" && i.Transport == transport);
            var c = r.Idle.FirstOrDefault(i => i.Target == "nchan" && i.Transport == transport);
            var f = r.Idle.FirstOrDefault(i => i.Target == "floor" && i.Transport == transport);
            md.AppendLine(Inv($"| idle {Name(transport)}, {s.Held:N0} held: KB per connection | {Num(g?.KbPerConnection, "F1")} | {Num(c?.KbPerConnection, "F1")} | {Num(f?.KbPerConnection, "F1")} | {Ratio(g?.KbPerConnection, c?.KbPerConnection)} | {Ratio(g?.KbPerConnection, f?.KbPerConnection)} | <= nchan |"));
        }

        md.AppendLine();
        md.AppendLine("| measure | gateway | bare YARP | nginx | gateway / YARP | gateway / nginx | goal |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---|");
        var gw = Rest(r, "gateway");
        var yarp = Rest(r, "yarp");
        var nginx = Rest(r, "nginx");
        var plain = Rest(r, "gateway-plain");
        md.AppendLine(Inv($"| REST GET 1 KB JSON, {s.RestConnections} connections, a route using no edge feature (`Edge.ETag: false`): requests/s | {Num(plain?.Rps, "N0")} | {Num(yarp?.Rps, "N0")} | {Num(nginx?.Rps, "N0")} | {Ratio(plain?.Rps, yarp?.Rps)} | {Ratio(plain?.Rps, nginx?.Rps)} | >= 0.95 x YARP |"));
        md.AppendLine(Inv($"| same route: server CPU µs per request | {Num(plain?.Cpu, "F0")} | {Num(yarp?.Cpu, "F0")} | {Num(nginx?.Cpu, "F0")} | {Ratio(plain?.Cpu, yarp?.Cpu)} | {Ratio(plain?.Cpu, nginx?.Cpu)} | toward nginx |"));
        md.AppendLine(Inv($"| REST GET, default route (edge ETag computed on every 200): requests/s | {Num(gw?.Rps, "N0")} | {Num(yarp?.Rps, "N0")} | {Num(nginx?.Rps, "N0")} | {Ratio(gw?.Rps, yarp?.Rps)} | {Ratio(gw?.Rps, nginx?.Rps)} | |"));
        md.AppendLine(Inv($"| default route: p99 ms | {Ms(gw?.P99)} | {Ms(yarp?.P99)} | {Ms(nginx?.P99)} | {Ratio(gw?.P99, yarp?.P99)} | {Ratio(gw?.P99, nginx?.P99)} | |"));
        md.AppendLine(Inv($"| default route: server CPU µs per request | {Num(gw?.Cpu, "F0")} | {Num(yarp?.Cpu, "F0")} | {Num(nginx?.Cpu, "F0")} | {Ratio(gw?.Cpu, yarp?.Cpu)} | {Ratio(gw?.Cpu, nginx?.Cpu)} | |"));
        var js = Find(r, "sse", "gateway");
        var core = Find(r, "sse", "gateway-core");
        md.AppendLine();
        md.AppendLine(Inv($"JetStream against core NATS (the gateway, {Name("sse")} at {s.Subscribers:N0} subscribers): p99 {Ms(js?.Run.LatencyMs.P99)} / {Ms(core?.Run.LatencyMs.P99)} ms = **{Ratio(js?.Run.LatencyMs.P99, core?.Run.LatencyMs.P99)}** (goal <= 1.2); server CPU {Num(js?.ServerCpuSeconds, "F2")} / {Num(core?.ServerCpuSeconds, "F2")} s."));
        md.AppendLine();

        md.AppendLine("## Delivery, raw").AppendLine();
        md.AppendLine("Server CPU: nats-server + the server for the gateway and the floor (both fed by NATS), nginx master + workers for nchan (fed by HTTP POST). Allocations and thread-pool work items are the server's .NET runtime counters over the run, per delivered event.").AppendLine();
        md.AppendLine("| workload | peer | subscribers | events @ rate | delivered / expected | missing | duplicates | out of order | p50 ms | p99 ms | max ms | server CPU-s | server µs / delivery | B allocated / delivery | work items / delivery | reconnects |");
        md.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var d in r.Delivery)
        {
            var run = d.Run;
            md.AppendLine(Inv($"| {Name(d.Transport)}{(d.Workload == "sse-many" ? " (many)" : "")} | {d.Target} | {run.Subscribers:N0} | {run.Events} @ {run.TargetRate}/s | {run.Delivered:N0} / {run.Expected:N0} | {run.Missing} | {run.Duplicates} | {run.OutOfOrder} | {run.LatencyMs.P50:F1} | {run.LatencyMs.P99:F1} | {run.LatencyMs.Max:F1} | {d.ServerCpuSeconds:F2} | {(run.Delivered > 0 ? d.ServerCpuSeconds * 1e6 / run.Delivered : 0):F1} | {Num(d.AllocatedBytesPerDelivery, "F0")} | {Num(d.WorkItemsPerDelivery, "F2")} | {run.Reconnects} |"));
        }

        md.AppendLine();
        md.AppendLine("## Idle memory, raw").AppendLine();
        md.AppendLine("Resident memory of the server process (nginx: master + workers), median of 5 readings, before the clients connect and 2 s after the server holds them all.").AppendLine();
        md.AppendLine("| peer | transport | held | before MB | holding MB | KB per connection |");
        md.AppendLine("|---|---|---:|---:|---:|---:|");
        foreach (var i in r.Idle)
        {
            md.AppendLine(Inv($"| {i.Target} | {Name(i.Transport)} | {i.Connections:N0} | {i.BeforeKb / 1024.0:F1} | {i.HeldKb / 1024.0:F1} | {i.KbPerConnection:F1} |"));
        }

        md.AppendLine();
        md.AppendLine("## REST, raw").AppendLine();
        md.AppendLine(Inv($"`wrk -t2 -c{s.RestConnections} -d{s.RestDuration.TotalSeconds:0}s --latency` on `GET /items/1` (the backend's 1 KB JSON, no ETag), after a {s.RestWarmUp.TotalSeconds:0} s warm-up each, {s.RestRounds} round(s) over all five (`gateway` is `/items/1`, edge ETags on; `gateway-plain` is `/plain/1`, `Edge.ETag: false`). The backend runs inside the load generator's process, so its CPU is the load generator's; the proxies' CPU excludes it.")).AppendLine();
        md.AppendLine("| target | round | requests/s | p50 ms | p99 ms | server CPU µs / request | non-2xx | socket errors |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        var rounds = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var row in r.Rest)
        {
            rounds[row.Target] = rounds.GetValueOrDefault(row.Target) + 1;
            md.AppendLine(Inv($"| {row.Target} | {rounds[row.Target]} | {row.RequestsPerSecond:N0} | {row.P50Ms:F2} | {row.P99Ms:F2} | {(row.Target == "backend" ? "-" : row.CpuMicrosPerRequest.ToString("F0", CultureInfo.InvariantCulture))} | {row.Non2xx} | {row.SocketErrors} |"));
        }

        var problems = r.ProblemLog.Where(p => p.Value.Count > 0).ToList();
        if (problems.Count > 0)
        {
            md.AppendLine().AppendLine("## Warnings the servers logged").AppendLine();
            foreach (var (name, lines) in problems)
            {
                md.AppendLine(Inv($"- {name}: {lines.Count} line(s), first: `{lines[0].Replace("`", "'", StringComparison.Ordinal)}`"));
            }
        }

        md.AppendLine();
        md.AppendLine(r.Passed ? "Every gateway run delivered every event once and in order." : "**A gateway run lost, duplicated or reordered events** (see the raw table).");
        return md.ToString();
    }

    private static IEnumerable<(string Workload, string Label)> Workloads(PeerSizes s) =>
    [
        ("sse", Inv($"SSE, {s.Subscribers:N0} subscribers, {s.Events} events at {s.Rate}/s")),
        ("websocket", "WebSocket, same load"),
        ("longpolling", "long polling, same load"),
        ("sse-many", Inv($"SSE, {s.ManySubscribers:N0} subscribers, {s.ManyEvents} events at {s.ManyRate}/s")),
    ];

    private static DeliveryRow? Find(PeersResult r, string workload, string target) =>
        r.Delivery.FirstOrDefault(d => d.Workload == workload && d.Target == target);

    /// <summary>The mean over the rounds of one REST target.</summary>
    private static (double Rps, double P99, double Cpu)? Rest(PeersResult r, string target)
    {
        var rows = r.Rest.Where(x => x.Target == target).ToList();
        return rows.Count == 0 ? null : (rows.Average(x => x.RequestsPerSecond), rows.Average(x => x.P99Ms), rows.Average(x => x.CpuMicrosPerRequest));
    }

    private static string Name(string transport) => transport switch
    {
        "sse" => "SSE",
        "websocket" => "WebSocket",
        "longpolling" => "long polling",
        _ => transport,
    };

    private static string Ratio(double? a, double? b) =>
        a is { } x && b is { } y && y > 0 && !double.IsNaN(x) ? Inv($"{x / y:F2}") : "-";

    private static string Ms(double? value) => Num(value, "F1");

    private static string Num(double? value, string format) =>
        value is { } v && !double.IsNaN(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "-";

    private static string Inv(FormattableString text) => FormattableString.Invariant(text);
}
