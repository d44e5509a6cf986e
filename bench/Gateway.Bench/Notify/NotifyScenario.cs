using System.Diagnostics;
using System.Globalization;
using Gateway.Bench.Hosting;
using Gateway.Bench.Results;

namespace Gateway.Bench.Notify;

/// <summary>
/// Issue 7's promise, measured: "a PUT through the gateway reaches every subscriber as a <c>changed</c> event within
/// 100 ms on this machine". A plain REST backend in this process (no NATS), a route with <c>Push.Notify</c>, a push route
/// on the same subject and N SSE subscribers. The baseline publishes the same payload through the management port, so
/// the ratio isolates the notify-on-write path (the proxied PUT and the publish after it) from the fan-out both share.
/// </summary>
internal static class NotifyScenario
{
    private const int WarmUpWrites = 20;
    private static readonly TimeSpan SessionsLimit = TimeSpan.FromSeconds(90);
    private static readonly Dictionary<string, string> Sse = new(StringComparer.Ordinal) { ["route"] = "item-events", ["transport"] = "sse" };
    private static readonly Dictionary<string, string> PushRoute = new(StringComparer.Ordinal) { ["route"] = "item-events" };

    public static async Task<NotifyResult> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var wall = Stopwatch.StartNew();
        var load = MachineInfo.LoadAverage();
        Progress($"{options.NotifySubscribers} SSE subscribers on /items/1/events; {options.NotifyWrites} writes per run, one every {options.NotifyInterval.TotalMilliseconds:0} ms");

        await using var nats = await NatsServerProcess.LaunchAsync(options.NatsServer, cancellationToken);
        await using var backend = await ItemsBackend.StartAsync(cancellationToken);
        await using var gateway = await GatewayProcess.StartAsync(options.GatewayDll, nats.Url, Config(backend.Url), cancellationToken);
        Progress($"nats-server {nats.Url}, backend {backend.Url}, gateway {gateway.PublicUrl} (pid {gateway.Pid}) ready");
        using var metrics = new GatewayMetrics(gateway.ManagementUrl);
        using var http = new HttpClient(new SocketsHttpHandler
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
        using var writer = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };

        var events = new Uri(gateway.PublicUrl, WriteRun.ItemPath + "/events");
        var subscribers = Enumerable.Range(0, options.NotifySubscribers).Select(_ => new ChangeSubscriber(http, events, "PUT", WriteRun.ItemPath)).ToList();
        using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            var connect = Stopwatch.StartNew();
            await Parallel.ForEachAsync(
                subscribers,
                new ParallelOptions { MaxDegreeOfParallelism = options.ConnectConcurrency, CancellationToken = cancellationToken },
                async (s, ct) => await s.ConnectAsync(ct, lifetime.Token));
            await WaitForSessionsAsync(metrics, subscribers.Count, cancellationToken);
            Progress($"{subscribers.Count} SSE sessions active after {connect.Elapsed.TotalSeconds:F1} s");

            // Warm-up: both write paths, not reported (JIT, the notify publish, the proxy's connection to the backend).
            await WriteRun.RunAsync(WriteKind.Publish, writer, gateway.PublicUrl, gateway.ManagementUrl, subscribers, WarmUpWrites, options.NotifyInterval, options.StallTimeout, cancellationToken);
            await WriteRun.RunAsync(WriteKind.Put, writer, gateway.PublicUrl, gateway.ManagementUrl, subscribers, WarmUpWrites, options.NotifyInterval, options.StallTimeout, cancellationToken);

            var runs = new List<NotifyRun>();
            foreach (var kind in new[] { WriteKind.Publish, WriteKind.Put })
            {
                var run = await WriteRun.RunAsync(kind, writer, gateway.PublicUrl, gateway.ManagementUrl, subscribers, options.NotifyWrites, options.NotifyInterval, options.StallTimeout, cancellationToken);
                Progress($"{run.Path,-7} p50 {run.FromResponseMs.P50:F1} ms p99 {run.FromResponseMs.P99:F1} ms max {run.FromResponseMs.Max:F1} ms after the response; " +
                    $"{run.Within100MsOfResponse * 100:F1} % within 100 ms; missing {run.Missing}, out of order {run.OutOfOrder}, failed writes {run.FailedWrites}");
                runs.Add(run);
            }

            return new NotifyResult
            {
                StartedUtc = started,
                WallSeconds = wall.Elapsed.TotalSeconds,
                Machine = MachineInfo.Capture(load),
                Subscribers = subscribers.Count,
                Writes = options.NotifyWrites,
                IntervalMs = options.NotifyInterval.TotalMilliseconds,
                Runs = runs,
                GatewayPublished = await metrics.ByLabelAsync("gateway_published_total", "source", new Dictionary<string, string> { ["result"] = "ok" }, cancellationToken),
                GatewayPublishErrors = await metrics.ByLabelAsync("gateway_published_total", "source", new Dictionary<string, string> { ["result"] = "error" }, cancellationToken),
                GatewaySessionsClosed = await metrics.ByLabelAsync("gateway_sessions_closed_total", "reason", PushRoute, cancellationToken),
                GatewayUp = !gateway.HasExited,
                GatewayProblemLog = [.. gateway.ProblemLines().Take(50)],
                NatsServerProblemLog = [.. nats.ProblemLines().Take(50)],
            };
        }
        finally
        {
            await lifetime.CancelAsync();
            try
            {
                await Task.WhenAll(subscribers.Select(s => s.StopAsync())).WaitAsync(TimeSpan.FromSeconds(15), CancellationToken.None);
            }
            catch (Exception ex)
            {
                // Cleanup must not replace the result (or the exception) of the run itself.
                Progress($"stopping the subscribers: {ex.GetType().Name}: {ex.Message}");
            }
        }
    }

    /// <summary>The issue's two routes: a REST route that notifies, and a push-only route on the same subject.</summary>
    private static string Config(Uri backend) => """
        {"Gateway":{"Limits":{"GlobalConnectRate":100000,"GlobalConnectBurst":100000,"ConnectRatePerClient":100000,"ConnectBurstPerClient":100000,"PollRatePerClient":100000,"PollBurstPerClient":100000,"MaxSessionsPerClient":1000000,"MaxPollsInFlightPerClient":1000000,"MaxNegotiationsInFlightPerClient":1000000}},
         "ReverseProxy":{"Routes":{"items":{"ClusterId":"c","Match":{"Path":"/items/{id}"},"Metadata":{"Push.Notify":"items.{id}"}},
                                   "item-events":{"Match":{"Path":"/items/{id}/events"},"Metadata":{"Push.Subject":"items.{id}"}}},
                         "Clusters":{"c":{"Destinations":{"d1":{"Address":"BACKEND"}}}}}}
        """.Replace("BACKEND", backend.ToString(), StringComparison.Ordinal);

    private static async Task WaitForSessionsAsync(GatewayMetrics metrics, int expected, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        double active;
        while ((active = await metrics.SumAsync("gateway_sessions_active", Sse, cancellationToken)) != expected)
        {
            if (waited.Elapsed > SessionsLimit)
            {
                throw new TimeoutException($"gateway_sessions_active{{route=\"item-events\",transport=\"sse\"}} is {active.ToString(CultureInfo.InvariantCulture)}, not {expected}, after {SessionsLimit.TotalSeconds:0} s.");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    private static void Progress(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] notify: {message}");
}
