using System.Diagnostics;
using Gateway.Bench.Hosting;
using Gateway.Bench.Publishing;
using Gateway.Bench.Results;
using Gateway.Bench.Subscribers;

namespace Gateway.Bench.Scenarios;

/// <summary>
/// N subscribers on one subject, M events published to NATS: first the baseline (the same N as core-NATS subscriptions),
/// then the same N through the gateway over one transport, each variant on both paths, on a fresh nats-server and
/// gateway process. The gateway's VmRSS is read before the clients connect, with N idle sessions, and throughout.
/// </summary>
internal static class FanoutScenario
{
    private const string Subject = "bench.fan";
    private const string BaselineSubject = "bench.direct";
    private const string WarmUpSubject = "bench.warm";
    private const int WarmUpEvents = 200;
    private static readonly TimeSpan SessionsTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan IdleSettle = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan BetweenRuns = TimeSpan.FromMilliseconds(500);

    public static async Task<ScenarioResult> RunAsync(ScenarioKind kind, BenchOptions options, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var wall = Stopwatch.StartNew();
        var load = MachineInfo.LoadAverage();
        var (name, transport) = kind switch
        {
            ScenarioKind.Fanout => ("fanout", "sse"),
            ScenarioKind.LongPolling => ("longpolling", "longpolling"),
            _ => ("websocket", "websocket"),
        };
        Progress(name, $"N={options.Subscribers} M={options.Events} rate={options.Rate}/s variants={string.Join(',', options.Variants)}");

        await using var nats = await NatsServerProcess.LaunchAsync(options.NatsServer, cancellationToken);
        await using var gateway = await GatewayProcess.StartAsync(options.GatewayDll, nats.Url, cancellationToken);
        Progress(name, $"nats-server {nats.Url}, gateway {gateway.PublicUrl} (pid {gateway.Pid}) ready");
        using var metrics = new GatewayMetrics(gateway.ManagementUrl);
        await using var publisher = await EventPublisher.ConnectAsync(nats.Url);
        await using var rss = new RssSampler(gateway.Pid);
        var cpu = new CpuMeter(nats.Process, gateway.Process);
        using var monitor = new NatsMonitor(nats.MonitorUrl);
        var run = 0;

        // Warm-up on another subject: JIT both processes' hot paths, open the gateway's NATS consumer machinery.
        await using (var warm = CreateGatewayGroup(kind, gateway, WarmUpSubject, 1, options))
        {
            await warm.ConnectAsync(cancellationToken);
            await WaitForSessionsAsync(metrics, transport, 1, cancellationToken);
            await DeliveryRun.RunAsync(warm, publisher, cpu, WarmUpSubject, ++run, PublishVariant.Max, options with { Events = WarmUpEvents }, cancellationToken);
        }

        // An idle session whose client has gone is noticed at its next write (an event or the 15 s heartbeat), so one more
        // event on the warm-up subject ends it now instead of holding up the session count below for a heartbeat interval.
        await publisher.PublishAsync(WarmUpSubject, run: 0, events: 1, rate: null, options.PayloadBytes, cancellationToken);
        await WaitForSessionsAsync(metrics, transport, 0, cancellationToken);

        // Both groups stay connected and the runs alternate (baseline, gateway, per variant), so each ratio compares two
        // runs a few seconds apart on this noisy machine. They listen on different subjects, so neither receives the
        // other's events; the publishes are the same.
        var runs = new List<RunResult>();
        await using var baseline = new NatsSubscriberGroup(nats.Url, BaselineSubject, options.Subscribers, options.BaselineConnections, options.Events);
        await baseline.ConnectAsync(cancellationToken);
        await DeliveryRun.RunAsync(baseline, publisher, cpu, BaselineSubject, ++run, PublishVariant.Max, options with { Events = WarmUpEvents }, cancellationToken);
        Progress(name, $"baseline: {options.Subscribers} core-NATS subscriptions on {BaselineSubject} over {Math.Min(options.BaselineConnections, options.Subscribers)} connections, warmed up");

        var before = await rss.SettledKbAsync(5, cancellationToken);
        var natsBefore = await monitor.ReadAsync(cancellationToken);
        await using var group = CreateGatewayGroup(kind, gateway, Subject, options.Subscribers, options);
        var connect = Stopwatch.StartNew();
        await group.ConnectAsync(cancellationToken);
        await WaitForSessionsAsync(metrics, transport, options.Subscribers, cancellationToken);
        Progress(name, $"gateway: {options.Subscribers} {transport} sessions on /bench/fan/events active after {connect.Elapsed.TotalSeconds:F1} s");
        await Task.Delay(IdleSettle, cancellationToken);
        var idle = await rss.SettledKbAsync(5, cancellationToken);
        var natsIdle = await monitor.ReadAsync(cancellationToken);
        Progress(name, $"nats: gateway subscriptions {natsBefore.GatewaySubscriptions} -> {natsIdle.GatewaySubscriptions}, JetStream consumers {natsBefore.Consumers} -> {natsIdle.Consumers} with {options.Subscribers} idle sessions; RSS {before} -> {idle} KB");

        foreach (var variant in options.Variants)
        {
            runs.Add(Report(name, await DeliveryRun.RunAsync(baseline, publisher, cpu, BaselineSubject, ++run, variant, options, cancellationToken)));
            await Task.Delay(BetweenRuns, cancellationToken);
            EnsureRunning(gateway);
            runs.Add(Report(name, await DeliveryRun.RunAsync(group, publisher, cpu, Subject, ++run, variant, options, cancellationToken)));
            await Task.Delay(BetweenRuns, cancellationToken);
        }

        EnsureRunning(gateway);
        var natsAfter = await monitor.ReadAsync(cancellationToken);
        var memory = new MemoryResult(before, idle, rss.PeakKb, ProcessMemory.PeakRssKb(gateway.Pid), options.Subscribers);
        var routeFilter = new Dictionary<string, string> { ["route"] = "bench", ["transport"] = transport };
        var closed = await metrics.ByLabelAsync("gateway_sessions_closed_total", "reason", routeFilter, cancellationToken);
        var dropped = await metrics.ByLabelAsync("gateway_events_dropped_total", "reason", routeFilter, cancellationToken);
        var history = await metrics.ByLabelAsync("gateway_history_reads_total", "result", new Dictionary<string, string>(), cancellationToken);
        var problems = gateway.ProblemLines();
        foreach (var line in problems.Take(3))
        {
            Progress(name, "gateway log: " + line);
        }

        if (problems.Count > 3)
        {
            Progress(name, $"gateway log: ... {problems.Count - 3} more warning/error lines (the first 50 are in the JSON)");
        }

        var natsProblems = nats.ProblemLines();
        foreach (var line in natsProblems.Take(3))
        {
            Progress(name, "nats-server log: " + line);
        }

        return new ScenarioResult
        {
            Scenario = name,
            Transport = transport,
            StartedUtc = started,
            WallSeconds = wall.Elapsed.TotalSeconds,
            Machine = MachineInfo.Capture(load),
            Settings = new ScenarioSettings(options.Subscribers, options.Events, options.Rate, [.. options.Variants.Select(v => v.ToString().ToLowerInvariant())], options.PayloadBytes, options.BaselineConnections),
            Runs = runs,
            Ratios = Ratios(runs),
            Memory = memory,
            Nats = new NatsResult(natsBefore, natsIdle, natsAfter),
            GatewaySessionsClosed = closed,
            GatewayEventsDropped = dropped,
            GatewayHistoryReads = history,
            GatewayProblemCount = problems.Count,
            GatewayProblemLog = [.. problems.Take(50)],
            NatsServerProblemLog = [.. natsProblems.Take(50)],
        };
    }

    private static GatewaySubscriberGroup CreateGatewayGroup(ScenarioKind kind, GatewayProcess gateway, string subject, int count, BenchOptions options)
    {
        var topic = subject[(subject.IndexOf('.', StringComparison.Ordinal) + 1)..];
        var stats = new SubscriberStats();
        if (kind == ScenarioKind.WebSocket)
        {
            var uri = new Uri($"ws://127.0.0.1:{gateway.PublicPort}/bench/{topic}/events");
            return new GatewaySubscriberGroup("gateway-websocket", [.. Enumerable.Range(0, count).Select(_ => new WebSocketSubscriber(uri, stats))], stats, options.ConnectConcurrency, shared: null);
        }

        var http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = int.MaxValue,
            UseProxy = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        var sse = new Uri(gateway.PublicUrl, $"/bench/{topic}/events");
        if (kind == ScenarioKind.LongPolling)
        {
            return new GatewaySubscriberGroup("gateway-longpolling", [.. Enumerable.Range(0, count).Select(_ => new LongPollSubscriber(http, sse, stats))], stats, options.ConnectConcurrency, http);
        }

        return new GatewaySubscriberGroup("gateway-sse", [.. Enumerable.Range(0, count).Select(_ => new SseSubscriber(http, sse, stats))], stats, options.ConnectConcurrency, http);
    }

    private static async Task WaitForSessionsAsync(GatewayMetrics metrics, string transport, int expected, CancellationToken cancellationToken)
    {
        // A held long poll is not a session: the gateway counts it as a poll in flight (all bench clients are one client key).
        var (metric, labels) = transport == "longpolling"
            ? ("gateway_client_requests_in_flight", new Dictionary<string, string> { ["policy"] = "poll" })
            : ("gateway_sessions_active", new Dictionary<string, string> { ["route"] = "bench", ["transport"] = transport });
        var waited = Stopwatch.StartNew();
        double active;
        // A long poller is between two polls for a moment after each answer: 2 % of them may be uncounted at any time.
        var slack = transport == "longpolling" ? expected / 50 : 0;
        while (Math.Abs((active = await metrics.SumAsync(metric, labels, cancellationToken)) - expected) > slack)
        {
            if (waited.Elapsed > SessionsTimeout)
            {
                throw new TimeoutException($"{metric} ({transport}) is {active}, not {expected}, after {SessionsTimeout.TotalSeconds:0} s.");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    private static List<RatioResult> Ratios(List<RunResult> runs)
    {
        static double Ratio(double gateway, double baseline) => baseline > 0 ? gateway / baseline : 0;

        var result = new List<RatioResult>();
        foreach (var g in runs.Where(r => r.Path != "nats-direct"))
        {
            if (runs.FirstOrDefault(r => r.Path == "nats-direct" && r.Variant == g.Variant) is { } b)
            {
                result.Add(new RatioResult(
                    g.Variant,
                    Ratio(g.DeliveredPerSecond, b.DeliveredPerSecond),
                    Ratio(g.LatencyMs.P50, b.LatencyMs.P50),
                    Ratio(g.LatencyMs.P95, b.LatencyMs.P95),
                    Ratio(g.LatencyMs.P99, b.LatencyMs.P99),
                    Ratio(g.LatencyMs.Max, b.LatencyMs.Max),
                    Ratio(g.ServerCpuMicrosPerDelivery, b.ServerCpuMicrosPerDelivery)));
            }
        }

        return result;
    }

    private static void EnsureRunning(GatewayProcess gateway)
    {
        if (gateway.HasExited)
        {
            throw new InvalidOperationException($"The gateway exited during the benchmark.{Environment.NewLine}{gateway.Output}");
        }
    }

    private static RunResult Report(string scenario, RunResult r)
    {
        Progress(scenario,
            $"{r.Path,-17} {r.Variant,-5} delivered {r.Delivered}/{r.Expected} in {r.Seconds:F2} s = {r.DeliveredPerSecond:N0}/s, " +
            $"p50 {r.LatencyMs.P50:F2} ms p99 {r.LatencyMs.P99:F2} ms, " +
            $"cpu nats {r.CpuSeconds.NatsServer:F2} s gateway {r.CpuSeconds.Gateway:F2} s bench {r.CpuSeconds.Bench:F2} s, missing {r.Missing}, out of order {r.OutOfOrder}, reconnects {r.Reconnects}" +
            (r.TimedOut ? $" (TIMED OUT: {r.IncompleteSubscribers} subscribers incomplete; states {string.Join(", ", r.SubscriberStates.Select(p => $"{p.Key} {p.Value}"))})" : ""));
        return r;
    }

    private static void Progress(string scenario, string message) =>
        Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {scenario}: {message}");
}
