using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Gateway.Bench.Hosting;
using Gateway.Bench.Publishing;
using Gateway.Bench.Results;

namespace Gateway.Bench.Drain;

/// <summary>
/// Issue 6 at full size. Two gateway instances on one nats-server; N clients, a quarter on each transport, all on A from
/// one cursor; events at a steady rate; after a few seconds A drains (window 20 s, grace 5 s, no exit). Clients told to
/// go move to B and resume by id; publishing goes on until 10 s after A is empty. Then every client must have every
/// event, in order after dedupe. Both instances have a small global connect bucket, so a drain that did not pace its
/// clients would show as <c>global_rate</c> refusals on B.
/// </summary>
internal static class DrainScenario
{
    private const string Subject = "bench.drain";
    private const string Path = "/bench/drain/events";
    private const int BucketRate = 100;
    private const int BucketBurst = 50;
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan BeforeDrain = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan AfterEmpty = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ConnectLimit = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan DeliveryLimit = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan PublishCapacity = TimeSpan.FromSeconds(120);

    private static readonly string Config = """
        {"Gateway":{"Limits":{"GlobalConnectRate":RATE,"GlobalConnectBurst":BURST,"ConnectRatePerClient":100000,"ConnectBurstPerClient":100000,"PollRatePerClient":100000,"PollBurstPerClient":100000,"MaxSessionsPerClient":1000000,"MaxPollsInFlightPerClient":1000000,"MaxNegotiationsInFlightPerClient":1000000},
         "Drain":{"Window":"WINDOW","Grace":"GRACE","ExitAfterDrain":false}},
         "ReverseProxy":{"Routes":{"bench":{"Match":{"Path":"/bench/{topic}/events"},"Metadata":{"Push.Subject":"bench.{topic}"}}},"Clusters":{}}}
        """.Replace("RATE", BucketRate.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("BURST", BucketBurst.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("WINDOW", Window.ToString("c", CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("GRACE", Grace.ToString("c", CultureInfo.InvariantCulture), StringComparison.Ordinal);

    private static readonly Dictionary<string, string> Route = new(StringComparer.Ordinal) { ["route"] = "bench" };

    public static async Task<DrainResult> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var wall = Stopwatch.StartNew();
        var load = MachineInfo.LoadAverage();
        Progress($"{options.DrainClients} clients over websocket, sse, longpolling, polling at {options.DrainRate} events/s; " +
            $"drain window {Window.TotalSeconds:0} s + grace {Grace.TotalSeconds:0} s; global bucket {BucketRate}/s burst {BucketBurst} on both instances");

        await using var nats = await NatsServerProcess.LaunchAsync(options.NatsServer, cancellationToken);
        await using var a = await GatewayProcess.StartAsync(options.GatewayDll, nats.Url, Config, cancellationToken);
        await using var b = await GatewayProcess.StartAsync(options.GatewayDll, nats.Url, Config, cancellationToken);
        Progress($"nats-server {nats.Url}; gateway A {a.PublicUrl} (pid {a.Pid}), B {b.PublicUrl} (pid {b.Pid}) ready");
        using var metricsA = new GatewayMetrics(a.ManagementUrl);
        using var metricsB = new GatewayMetrics(b.ManagementUrl);
        await using var publisher = await EventPublisher.ConnectAsync(nats.Url);
        await DrainWarmUp.RunAsync(nats, a, metricsA, publisher, options, run: 1, cancellationToken);
        await DrainWarmUp.RunAsync(nats, b, metricsB, publisher, options, run: 2, cancellationToken);

        using var http = CreateHttpClient();
        var cursor = await NegotiateAsync(http, a, cancellationToken);
        var clients = CreateClients(options.DrainClients, http, a.PublicUrl, b.PublicUrl, cursor);
        const int run = 3;
        var capacity = (int)(options.DrainRate * PublishCapacity.TotalSeconds);
        foreach (var client in clients)
        {
            client.Log.Start(run, capacity);
        }

        using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var loops = StartClients(clients, lifetime.Token);
        try
        {
            var connect = Stopwatch.StartNew();
            await WaitForClientsOnAAsync(metricsA, clients, cancellationToken);
            Progress($"all {clients.Count} clients on A after {connect.Elapsed.TotalSeconds:F1} s (from cursor {cursor})");

            using var stopPublishing = new CancellationTokenSource();
            var publish = publisher.PublishAsync(Subject, run, capacity, options.DrainRate, options.PayloadBytes, stopPublishing.Token, cancellationToken);
            await Task.Delay(BeforeDrain, cancellationToken);

            var atDrain = await SessionsAsync(http, a, cancellationToken);
            var drainAt = Stopwatch.GetTimestamp();
            await using var timeline = new DrainTimeline(metricsA, metricsB, () => clients.Count(c => c.ArrivedOnB != 0));
            using (var response = await http.PostAsync(new Uri(a.ManagementUrl, "/admin/drain"), null, cancellationToken))
            {
                response.EnsureSuccessStatusCode();
            }

            Progress($"POST /admin/drain on A with {atDrain} sessions");
            var empty = await WaitForEmptyAsync(http, a, drainAt, cancellationToken);
            Progress(empty is { } e ? $"A empty {e:F1} s after the drain request" : "A DID NOT EMPTY");
            await Task.Delay(AfterEmpty, cancellationToken);
            await stopPublishing.CancelAsync();
            var published = await publish;
            Progress($"published {published.Published} events at {published.PerSecond:F0}/s ({published.Stored} stored); waiting for every client to have them");
            await WaitForDeliveryAsync(clients, published.Published, options.StallTimeout, cancellationToken);

            return new DrainResult
            {
                StartedUtc = started,
                WallSeconds = wall.Elapsed.TotalSeconds,
                Machine = MachineInfo.Capture(load),
                Clients = clients.Count,
                Rate = options.DrainRate,
                WindowSeconds = Window.TotalSeconds,
                GraceSeconds = Grace.TotalSeconds,
                BucketRate = BucketRate,
                BucketBurst = BucketBurst,
                Published = published.Published,
                StoredInStream = published.Stored,
                AEmptySeconds = empty,
                ASessionsAtDrain = atDrain,
                Transports = [.. clients.GroupBy(c => c.Transport).Select(g => DrainRows.Row(g.Key, [.. g], published.Published, drainAt))],
                BRejected = await metricsB.ByLabelAsync("gateway_reconnects_rejected_total", "reason", Route, cancellationToken),
                ARejected = await metricsA.ByLabelAsync("gateway_reconnects_rejected_total", "reason", Route, cancellationToken),
                AClosed = await metricsA.ByLabelAsync("gateway_sessions_closed_total", "reason", Route, cancellationToken),
                BPeakStartsPerSecond = timeline.PeakStartsPerSecond(),
                BPeakArrivalsPerSecond = Timestamps.PeakPerSecond([.. clients.Select(c => c.ArrivedOnB).Where(t => t != 0)]),
                BArrivalsPerSecond = Timestamps.PerSecond([.. clients.Select(c => c.ArrivedOnB).Where(t => t != 0)], drainAt),
                BHistoryReads = await metricsB.ByLabelAsync("gateway_history_reads_total", "result", new Dictionary<string, string>(), cancellationToken),
                Timeline = timeline.Samples,
                BothInstancesUp = !a.HasExited && !b.HasExited,
                GatewayAProblemLog = [.. a.ProblemLines().Take(50)],
                GatewayBProblemLog = [.. b.ProblemLines().Take(50)],
                NatsServerProblemLog = [.. nats.ProblemLines().Take(50)],
            };
        }
        finally
        {
            await lifetime.CancelAsync();
            try
            {
                await Task.WhenAll(loops).WaitAsync(TimeSpan.FromSeconds(20), CancellationToken.None);
            }
            catch (Exception ex)
            {
                // Cleanup must not replace the result (or the exception) of the run itself.
                Progress($"stopping the clients: {ex.GetType().Name}: {ex.Message}");
            }
        }
    }

    private static HttpClient CreateHttpClient() => new(new SocketsHttpHandler
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

    /// <summary>Every client starts from this cursor, so "every event" is the same set for all of them.</summary>
    private static Task<string> NegotiateAsync(HttpClient http, GatewayProcess a, CancellationToken cancellationToken) =>
        NegotiateAsync(http, a, Path, cancellationToken);

    /// <summary>The cursor negotiate gives for <paramref name="path"/> now (the soak scenario starts its clients from it too).</summary>
    internal static async Task<string> NegotiateAsync(HttpClient http, GatewayProcess a, string path, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsync(new Uri(a.PublicUrl, path + "/negotiate"), null, cancellationToken);
        response.EnsureSuccessStatusCode();
        using var doc = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync(cancellationToken));
        return doc.RootElement.GetProperty("cursor").GetString() ?? throw new InvalidOperationException("negotiate returned no cursor.");
    }

    /// <summary>Client i uses transport i mod 4, so every transport gets a quarter and they connect interleaved.</summary>
    private static List<DrainClient> CreateClients(int count, HttpClient http, Uri a, Uri b, string cursor) =>
        [.. Enumerable.Range(0, count).Select(i => (i % 4) switch
        {
            0 => (DrainClient)new WebSocketDrainClient(a, b, Path, cursor),
            1 => new SseDrainClient(http, a, b, Path, cursor),
            2 => new LongPollDrainClient(http, a, b, Path, cursor),
            _ => new ShortPollDrainClient(http, a, b, Path, cursor),
        })];

    /// <summary>Starts are spread so the streaming half arrives at A's bucket rate rather than as one burst of refusals.</summary>
    private static List<Task> StartClients(List<DrainClient> clients, CancellationToken cancellationToken)
    {
        var spacing = TimeSpan.FromSeconds(1.0 / (2 * BucketRate));
        return [.. clients.Select((client, i) => Task.Run(async () =>
        {
            try
            {
                await Task.Delay(spacing * i, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await client.RunAsync(cancellationToken);
        }, CancellationToken.None))];
    }

    private static async Task WaitForClientsOnAAsync(GatewayMetrics metrics, List<DrainClient> clients, CancellationToken cancellationToken)
    {
        var ws = clients.Count(c => c.Transport == "websocket");
        var sse = clients.Count(c => c.Transport == "sse");
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var active = await metrics.ByLabelAsync("gateway_sessions_active", "transport", Route, cancellationToken);
            var polls = clients.Count(c => c.Transport is "longpolling" or "polling" && c.Ready);
            if (active.GetValueOrDefault("websocket") == ws && active.GetValueOrDefault("sse") == sse && polls == clients.Count - ws - sse)
            {
                return;
            }

            if (waited.Elapsed > ConnectLimit)
            {
                throw new TimeoutException($"after {ConnectLimit.TotalSeconds:0} s A has {active.GetValueOrDefault("websocket")}/{ws} WebSocket and " +
                    $"{active.GetValueOrDefault("sse")}/{sse} SSE sessions, and {polls}/{clients.Count - ws - sse} pollers have been answered.");
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    /// <summary>Sessions of every kind on an instance (its <c>/readyz</c> body): streams and held long polls.</summary>
    private static async Task<int> SessionsAsync(HttpClient http, GatewayProcess gateway, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(new Uri(gateway.ManagementUrl, "/readyz"), cancellationToken);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync(cancellationToken));
        return doc.RootElement.GetProperty("sessions").GetInt32();
    }

    private static async Task<double?> WaitForEmptyAsync(HttpClient http, GatewayProcess a, long drainAt, CancellationToken cancellationToken)
    {
        var limit = Window + Grace + TimeSpan.FromSeconds(15);
        while (Stopwatch.GetElapsedTime(drainAt) < limit)
        {
            if (await SessionsAsync(http, a, cancellationToken) == 0)
            {
                return Stopwatch.GetElapsedTime(drainAt).TotalSeconds;
            }

            await Task.Delay(100, cancellationToken);
        }

        return null;
    }

    private static async Task WaitForDeliveryAsync(List<DrainClient> clients, int published, TimeSpan stall, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        var sinceProgress = Stopwatch.StartNew();
        long last = -1;
        while (waited.Elapsed < DeliveryLimit && sinceProgress.Elapsed < stall)
        {
            long total = 0;
            foreach (var client in clients)
            {
                total += client.Log.Received;
            }

            if (total == (long)published * clients.Count)
            {
                return;
            }

            if (total != last)
            {
                last = total;
                sinceProgress.Restart();
            }

            await Task.Delay(100, cancellationToken);
        }

        Progress($"delivery incomplete after {waited.Elapsed.TotalSeconds:F0} s: {clients.Count(c => c.Log.Received < published)} clients short");
    }

    private static void Progress(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] drain: {message}");
}
