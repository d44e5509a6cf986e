using System.Diagnostics;
using System.Globalization;
using Gateway.Bench.Drain;
using Gateway.Bench.Hosting;
using Gateway.Bench.Publishing;
using Gateway.Bench.Results;

namespace Gateway.Bench.Soak;

/// <summary>
/// Hours of churn against one instance (docs/scale-out.md, "Leaks over time"): N clients, a quarter per transport, each
/// dropping its connection after a random 2-30 s and resuming from its cursor, while events flow at a steady rate. The
/// gateway's RSS, sessions and broker subscriptions are sampled throughout. At the end the drops stop, every client must
/// have every event exactly once in order, and once the clients are gone the instance must be back at rest: no session,
/// no broker subscription, and RSS near where it stood after the warm-up.
/// </summary>
internal static class SoakScenario
{
    private const string Subject = "bench.soak";
    private const string Path = "/bench/soak/events";
    private static readonly TimeSpan MinLifetime = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan MaxLifetime = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan RestLimit = TimeSpan.FromSeconds(90);

    /// <summary>RSS at rest may exceed the post-warm-up RSS by this much (GC heap sizing, pools) before it counts as growth.</summary>
    private const double RssToleranceFraction = 0.25;
    private const long RssToleranceMinKb = 32 * 1024;

    private static readonly string Config = """
        {"Gateway":{"Broker":{"TopicLinger":"00:00:01"},
         "Limits":{"GlobalConnectRate":100000,"GlobalConnectBurst":100000,"ConnectRatePerClient":100000,"ConnectBurstPerClient":100000,"PollRatePerClient":100000,"PollBurstPerClient":100000,"GlobalPollRate":100000,"GlobalPollBurst":100000,"MaxSessionsPerClient":1000000,"MaxPollsInFlightPerClient":1000000,"MaxNegotiationsInFlightPerClient":1000000}},
         "ReverseProxy":{"Routes":{"bench":{"Match":{"Path":"/bench/{topic}/events"},"Metadata":{"Push.Subject":"bench.{topic}","Push.Heartbeat":"00:00:05"}}},"Clusters":{}}}
        """;

    public static async Task<SoakResult> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var wall = Stopwatch.StartNew();
        var load = MachineInfo.LoadAverage();
        var duration = options.SoakDuration;
        var sampleEvery = TimeSpan.FromSeconds(Math.Clamp(duration.TotalSeconds / 120, 5, 60));
        Progress($"{options.SoakClients} clients over websocket, sse, longpolling, polling for {duration.TotalMinutes:0.#} min at {options.SoakRate} events/s; " +
            $"each drops its connection after {MinLifetime.TotalSeconds:0}-{MaxLifetime.TotalSeconds:0} s and resumes by cursor; a sample every {sampleEvery.TotalSeconds:0} s");

        await using var nats = await NatsServerProcess.LaunchAsync(options.NatsServer, cancellationToken);
        await using var gateway = await GatewayProcess.StartAsync(options.GatewayDll, nats.Url, Config, cancellationToken);
        using var metrics = new GatewayMetrics(gateway.ManagementUrl);
        await using var publisher = await EventPublisher.ConnectAsync(nats.Url);
        Progress($"nats-server {nats.Url}; gateway {gateway.PublicUrl} (pid {gateway.Pid}) ready");

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, UseProxy = false, PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30) })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        var cursor = await DrainScenario.NegotiateAsync(http, gateway, Path, cancellationToken);
        var url = gateway.PublicUrl;
        List<DrainClient> clients =
        [
            .. Enumerable.Range(0, options.SoakClients).Select(i => (i % 4) switch
            {
                0 => (DrainClient)new WebSocketDrainClient(url, url, Path, cursor),
                1 => new SseDrainClient(http, url, url, Path, cursor),
                2 => new LongPollDrainClient(http, url, url, Path, cursor),
                _ => new ShortPollDrainClient(http, url, url, Path, cursor),
            }),
        ];
        const int run = 1;
        var capacity = (int)Math.Min(int.MaxValue, (options.SoakRate * duration.TotalSeconds) + options.SoakRate);
        foreach (var client in clients)
        {
            client.Log.Start(run, capacity);
        }

        var samples = new List<SoakSample>();
        long cycles = 0;
        using var stopDropping = new CancellationTokenSource();
        using var stopClients = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var loops = clients.Select(c => Task.Run(() => LiveAsync(c, () => Interlocked.Increment(ref cycles), stopDropping.Token, stopClients.Token), CancellationToken.None)).ToList();
        try
        {
            using var stopPublishing = new CancellationTokenSource(duration);
            var publish = publisher.PublishAsync(Subject, run, capacity, options.SoakRate, options.PayloadBytes, stopPublishing.Token, cancellationToken);
            var clock = Stopwatch.StartNew();
            while (!publish.IsCompleted)
            {
                await Task.WhenAny(publish, Task.Delay(sampleEvery, cancellationToken));
                samples.Add(await SampleAsync(http, gateway, metrics, clock.Elapsed, Interlocked.Read(ref cycles), cancellationToken));
                var s = samples[^1];
                Progress($"{s.Seconds / 60:F1} min: RSS {s.RssKb / 1024} MB, {s.Sessions} sessions, {s.BrokerSubscriptions} broker subscriptions, {s.Cycles} reconnects");
            }

            var published = await publish;
            await stopDropping.CancelAsync();
            Progress($"published {published.Published} events at {published.PerSecond:F1}/s; drops stopped, waiting for every client to have them");
            await WaitForDeliveryAsync(clients, published.Published, options.StallTimeout, cancellationToken);
            var rows = clients.GroupBy(c => c.Transport).Select(g => DrainRows.Row(g.Key, [.. g], published.Published, 0)).ToList();

            await stopClients.CancelAsync();
            await Task.WhenAll(loops).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            http.Dispose();
            var rest = await WaitForRestAsync(gateway, metrics, cancellationToken);
            var afterWarmUp = samples.FirstOrDefault(s => s.Seconds >= WarmUp.TotalSeconds) ?? samples.LastOrDefault();
            var baselineKb = afterWarmUp?.RssKb ?? rest.RssKb;
            var allowedKb = baselineKb + Math.Max(RssToleranceMinKb, (long)(baselineKb * RssToleranceFraction));
            var secondHalf = samples.Where(s => s.Seconds >= duration.TotalSeconds / 2).ToList();
            return new SoakResult
            {
                StartedUtc = started,
                WallSeconds = wall.Elapsed.TotalSeconds,
                Machine = MachineInfo.Capture(load),
                Clients = clients.Count,
                Rate = options.SoakRate,
                DurationSeconds = duration.TotalSeconds,
                Published = published.Published,
                Reconnects = Interlocked.Read(ref cycles),
                Transports = rows,
                Samples = samples,
                RssAfterWarmUpKb = baselineKb,
                RssPeakKb = ProcessMemory.PeakRssKb(gateway.Pid),
                RssAtRestKb = rest.RssKb,
                RssAllowedAtRestKb = allowedKb,
                RssSlopeKbPerHour = SlopePerHour(secondHalf),
                SessionsAtRest = rest.Sessions,
                BrokerSubscriptionsAtRest = rest.BrokerSubscriptions,
                GatewayUp = !gateway.HasExited,
                GatewayProblemLog = [.. gateway.ProblemLines().Take(50)],
                NatsServerProblemLog = [.. nats.ProblemLines().Take(50)],
            };
        }
        finally
        {
            await stopDropping.CancelAsync();
            await stopClients.CancelAsync();
            try
            {
                await Task.WhenAll(loops).WaitAsync(TimeSpan.FromSeconds(20), CancellationToken.None);
            }
            catch (Exception ex)
            {
                Progress($"stopping the clients: {ex.GetType().Name}: {ex.Message}");
            }
        }
    }

    /// <summary>
    /// One client's life: connect, stay a random while, drop (the connection is cut mid-stream or mid-poll), resume from the
    /// cursor; once <paramref name="stopDropping"/> fires it stays connected until <paramref name="stop"/>.
    /// </summary>
    private static async Task LiveAsync(DrainClient client, Action reconnected, CancellationToken stopDropping, CancellationToken stop)
    {
        // Spread the first connects over a few seconds.
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(0, 5000)), stop);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        while (!stop.IsCancellationRequested)
        {
            using var life = CancellationTokenSource.CreateLinkedTokenSource(stop);
            if (!stopDropping.IsCancellationRequested)
            {
                life.CancelAfter(MinLifetime + ((MaxLifetime - MinLifetime) * Random.Shared.NextDouble()));
            }

            await client.RunAsync(stopDropping.IsCancellationRequested ? stop : life.Token);
            if (!stop.IsCancellationRequested)
            {
                reconnected();
            }
        }
    }

    private static async Task<SoakSample> SampleAsync(HttpClient http, GatewayProcess gateway, GatewayMetrics metrics, TimeSpan at, long cycles, CancellationToken cancellationToken)
    {
        var none = new Dictionary<string, string>();
        var values = await metrics.SumsAsync(
            [("gateway_broker_subscriptions", none), ("gateway_runtime_allocated_bytes_total", none), ("gateway_sessions_active", none)],
            cancellationToken);
        return new SoakSample(at.TotalSeconds, ProcessMemory.RssKb(gateway.Pid), (int)values[2], (int)values[0], values[1] / (1 << 20), cycles);
    }

    private static async Task<(long RssKb, int Sessions, int BrokerSubscriptions)> WaitForRestAsync(GatewayProcess gateway, GatewayMetrics metrics, CancellationToken cancellationToken)
    {
        var none = new Dictionary<string, string>();
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var values = await metrics.SumsAsync([("gateway_sessions_active", none), ("gateway_broker_subscriptions", none)], cancellationToken);
            if ((values[0] == 0 && values[1] == 0) || waited.Elapsed > RestLimit)
            {
                Progress($"at rest after {waited.Elapsed.TotalSeconds:F0} s: {values[0]} sessions, {values[1]} broker subscriptions");
                return (ProcessMemory.RssKb(gateway.Pid), (int)values[0], (int)values[1]);
            }

            await Task.Delay(500, cancellationToken);
        }
    }

    /// <summary>Least-squares slope of RSS over time, in KB per hour; 0 with fewer than two samples.</summary>
    private static double SlopePerHour(List<SoakSample> samples)
    {
        if (samples.Count < 2)
        {
            return 0;
        }

        var meanX = samples.Average(s => s.Seconds);
        var meanY = samples.Average(s => (double)s.RssKb);
        var num = samples.Sum(s => (s.Seconds - meanX) * (s.RssKb - meanY));
        var den = samples.Sum(s => (s.Seconds - meanX) * (s.Seconds - meanX));
        return den == 0 ? 0 : num / den * 3600;
    }

    private static async Task WaitForDeliveryAsync(List<DrainClient> clients, int published, TimeSpan stall, CancellationToken cancellationToken)
    {
        var sinceProgress = Stopwatch.StartNew();
        long last = -1;
        while (sinceProgress.Elapsed < stall + MaxLifetime)
        {
            var total = clients.Sum(c => (long)c.Log.Received);
            if (total == (long)published * clients.Count)
            {
                return;
            }

            if (total != last)
            {
                last = total;
                sinceProgress.Restart();
            }

            await Task.Delay(200, cancellationToken);
        }

        Progress($"delivery incomplete: {clients.Count(c => c.Log.Received < published)} clients short");
    }

    private static void Progress(string message) => Console.Error.WriteLine($"[{DateTime.Now.ToString("HH:mm:ss", CultureInfo.InvariantCulture)}] soak: {message}");
}
