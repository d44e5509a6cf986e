using System.Diagnostics;
using System.Globalization;
using Gateway.Bench.Hosting;
using Gateway.Bench.Results;

namespace Gateway.Bench.Storm;

/// <summary>
/// A reconnect storm: N WebSocket clients connect at once to one instance whose global connect bucket is R/s with burst
/// B; refused clients come back after a full-jitter share of <c>Retry-After</c>. Measures how long until all are in
/// against the bucket's own prediction, the refusals, and what the storm does to the latency of the management
/// <c>/healthz</c> and of a REST GET proxied to an in-process backend, against the same two measured before the storm.
/// </summary>
internal static class StormScenario
{
    private const string Path = "/bench/storm/events";
    private const int WarmUpClients = 20;
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Baseline = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan After = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan StormLimit = TimeSpan.FromSeconds(150);
    private static readonly string[] Phases = ["baseline", "storm", "after"];
    private static readonly Dictionary<string, string> Route = new(StringComparer.Ordinal) { ["route"] = "bench" };
    private static readonly Dictionary<string, string> WebSockets = new(StringComparer.Ordinal) { ["route"] = "bench", ["transport"] = "websocket" };

    public static async Task<StormResult> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var wall = Stopwatch.StartNew();
        var load = MachineInfo.LoadAverage();
        var n = options.StormClients;
        Progress($"{n} WebSocket clients at once; global bucket {options.StormRate}/s burst {options.StormBurst}; " +
            $"bucket predicts {Math.Max(0, n - options.StormBurst) / (double)options.StormRate:F1} s");

        await using var nats = await NatsServerProcess.LaunchAsync(options.NatsServer, cancellationToken);
        await using var backend = await ItemsBackend.StartAsync(cancellationToken);
        await using var gateway = await GatewayProcess.StartAsync(options.GatewayDll, nats.Url, Config(options, backend.Url), cancellationToken);
        Progress($"nats-server {nats.Url}, backend {backend.Url}, gateway {gateway.PublicUrl} (pid {gateway.Pid}) ready");
        using var metrics = new GatewayMetrics(gateway.ManagementUrl);
        using var probe = new LatencyProbe([("healthz", new Uri(gateway.ManagementUrl, "/healthz")), ("rest", new Uri(gateway.PublicUrl, "/items/1"))], ProbeInterval);
        var uri = new UriBuilder(gateway.PublicUrl) { Scheme = "ws", Path = Path }.Uri;

        // Warm-up: the probe's two paths and a few upgrades, then a pause so the bucket is full again.
        using (var warm = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            var warmClients = Enumerable.Range(0, WarmUpClients).Select(_ => new StormClient(uri)).ToList();
            var warmLoops = warmClients.Select(c => c.RunAsync(warm.Token)).ToList();
            await Task.Delay(WarmUp, cancellationToken);
            await warm.CancelAsync();
            await Task.WhenAll(warmLoops);
        }

        await WaitForSessionsAsync(metrics, 0, TimeSpan.FromSeconds(20), cancellationToken);
        probe.Phase = "baseline";
        await Task.Delay(Baseline, cancellationToken);

        var rssBefore = ProcessMemory.RssKb(gateway.Pid);
        var cpu = new CpuMeter(nats.Process, gateway.Process);
        var cpuBefore = cpu.Take();
        var clients = Enumerable.Range(0, n).Select(_ => new StormClient(uri)).ToList();
        using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        probe.Phase = "storm";
        var stormStart = Stopwatch.GetTimestamp();
        var loops = clients.Select(c => Task.Run(() => c.RunAsync(lifetime.Token), CancellationToken.None)).ToList();
        try
        {
            var all = await WaitForAllAsync(clients, stormStart, cancellationToken);
            var cpuStorm = cpu.Take() - cpuBefore;
            probe.Phase = "after";
            Progress(all is { } s ? $"all {n} connected after {s:F1} s" : $"only {clients.Count(c => c.ConnectedAt != 0)} of {n} connected within {StormLimit.TotalSeconds:0} s");
            await Task.Delay(After, cancellationToken);
            probe.Phase = "done";

            var connectedAt = clients.Where(c => c.ConnectedAt != 0).Select(c => c.ConnectedAt).Order().ToList();
            var up = await HealthyAsync(gateway, cancellationToken);
            return new StormResult
            {
                StartedUtc = started,
                WallSeconds = wall.Elapsed.TotalSeconds,
                Machine = MachineInfo.Capture(load),
                Clients = n,
                BucketRate = options.StormRate,
                BucketBurst = options.StormBurst,
                Connected = connectedAt.Count,
                AllConnectedSeconds = all,
                FirstBurstSeconds = connectedAt.Count >= Math.Min(n, options.StormBurst) ? Seconds(connectedAt[Math.Min(n, options.StormBurst) - 1] - stormStart) : 0,
                PeakConnectsPerSecond = Timestamps.PeakPerSecond(connectedAt),
                ConnectsPerSecond = Timestamps.PerSecond(connectedAt, stormStart),
                Attempts = clients.Sum(c => (long)c.Attempts),
                Refused = clients.Sum(c => (long)c.Refused),
                Errors = clients.Sum(c => (long)c.Errors),
                Dropped = clients.Sum(c => (long)c.Dropped),
                GatewayRejected = await metrics.ByLabelAsync("gateway_reconnects_rejected_total", "reason", Route, cancellationToken),
                GatewaySessionsAfter = await metrics.SumAsync("gateway_sessions_active", WebSockets, cancellationToken),
                Probes = [.. Phases.SelectMany(p => new[] { probe.Stats(p, 0), probe.Stats(p, 1) })],
                GatewayCpuSecondsDuringStorm = cpuStorm.Gateway,
                GatewayRssBeforeKb = rssBefore,
                GatewayRssAfterKb = ProcessMemory.RssKb(gateway.Pid),
                GatewayRssHighWaterKb = ProcessMemory.PeakRssKb(gateway.Pid),
                GatewayUp = up,
                GatewayProblemLog = [.. gateway.ProblemLines().Take(50)],
                NatsServerProblemLog = [.. nats.ProblemLines().Take(50)],
            };
        }
        finally
        {
            await lifetime.CancelAsync();
            try
            {
                await Task.WhenAll(loops).WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
            }
            catch (Exception ex)
            {
                // Cleanup must not replace the result (or the exception) of the run itself.
                Progress($"stopping the clients: {ex.GetType().Name}: {ex.Message}");
            }
        }
    }

    /// <summary>One push route for the storm, one REST route to the backend for the probe; per-client limits out of the way (one address).</summary>
    private static string Config(BenchOptions options, Uri backend) => """
        {"Gateway":{"Limits":{"GlobalConnectRate":RATE,"GlobalConnectBurst":BURST,"ConnectRatePerClient":100000,"ConnectBurstPerClient":100000,"PollRatePerClient":100000,"PollBurstPerClient":100000,"MaxSessionsPerClient":1000000,"MaxPollsInFlightPerClient":1000000,"MaxNegotiationsInFlightPerClient":1000000}},
         "ReverseProxy":{"Routes":{"bench":{"Match":{"Path":"/bench/{topic}/events"},"Metadata":{"Push.Subject":"bench.{topic}"}},
                                   "items":{"ClusterId":"c","Match":{"Path":"/items/{id}"}}},
                         "Clusters":{"c":{"Destinations":{"d1":{"Address":"BACKEND"}}}}}}
        """.Replace("RATE", options.StormRate.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("BURST", options.StormBurst.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("BACKEND", backend.ToString(), StringComparison.Ordinal);

    private static async Task<double?> WaitForAllAsync(List<StormClient> clients, long start, CancellationToken cancellationToken)
    {
        while (Stopwatch.GetElapsedTime(start) < StormLimit)
        {
            if (clients.All(c => c.ConnectedAt != 0))
            {
                return Seconds(clients.Max(c => c.ConnectedAt) - start);
            }

            await Task.Delay(50, cancellationToken);
        }

        return null;
    }

    private static async Task WaitForSessionsAsync(GatewayMetrics metrics, int expected, TimeSpan limit, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (await metrics.SumAsync("gateway_sessions_active", WebSockets, cancellationToken) != expected && waited.Elapsed < limit)
        {
            await Task.Delay(100, cancellationToken);
        }
    }

    private static async Task<bool> HealthyAsync(GatewayProcess gateway, CancellationToken cancellationToken)
    {
        if (gateway.HasExited)
        {
            return false;
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            using var response = await http.GetAsync(new Uri(gateway.ManagementUrl, "/healthz"), cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private static double Seconds(long ticks) => (double)ticks / Stopwatch.Frequency;

    private static void Progress(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] storm: {message}");
}
