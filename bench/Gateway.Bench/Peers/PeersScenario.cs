using System.Diagnostics;
using Gateway.Bench.Hosting;
using Gateway.Bench.Publishing;
using Gateway.Bench.Results;
using Gateway.Bench.Scenarios;
using Gateway.Bench.Subscribers;
using NATS.Client.Core;

namespace Gateway.Bench.Peers;

/// <summary>
/// The gateway against the servers a user would otherwise pick, in one sitting with one load generator (issue 12):
/// nchan (nginx), a bare Kestrel fan-out floor and the gateway for push; nginx <c>proxy_pass</c>, a bare YARP app and the
/// gateway for REST (wrk). All servers start at the beginning and run side by side; each measurement connects its own
/// clients, runs, and disconnects them before the next, so the peers take turns on the same cores.
/// </summary>
internal static class PeersScenario
{
    private static readonly TimeSpan SubscribersTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan IdleSettle = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan WarmUpStall = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Both gateways (JetStream and core NATS) run with the repository's log levels, as users start them. REST goes through
    /// <c>/items/{id}</c> (edge ETags on, the default) and <c>/plain/{id}</c> (a route that uses no edge feature).
    /// </summary>
    private static string GatewayConfig(Uri backend) => """
        {"Logging":{"LogLevel":{"Default":"Information","Microsoft.AspNetCore":"Warning","Yarp":"Warning","NATS":"Error"}},
         "Gateway":{"Limits":{"GlobalConnectRate":100000,"GlobalConnectBurst":100000,"ConnectRatePerClient":100000,"ConnectBurstPerClient":100000,"PollRatePerClient":100000,"PollBurstPerClient":100000,"MaxSessionsPerClient":1000000,"MaxPollsInFlightPerClient":1000000,"MaxNegotiationsInFlightPerClient":1000000}},
         "ReverseProxy":{"Routes":{"bench":{"Match":{"Path":"/bench/{topic}/events"},"Metadata":{"Push.Subject":"bench.{topic}"}},
                                   "items":{"ClusterId":"backend","Match":{"Path":"/items/{id}"}},
                                   "plain":{"ClusterId":"backend","Match":{"Path":"/plain/{id}"},"Metadata":{"Edge.ETag":"false"}}},
                         "Clusters":{"backend":{"Destinations":{"d":{"Address":"BACKEND"}}}}}}
        """.Replace("BACKEND", backend.ToString(), StringComparison.Ordinal);

    public static async Task<PeersResult> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var wall = Stopwatch.StartNew();
        var load = MachineInfo.LoadAverage();
        var sizes = options.Quick ? PeerSizes.Quick : PeerSizes.Full;
        Progress($"{(options.Quick ? "quick" : "full")} run: {sizes}");

        await using var backend = await JsonBackend.StartAsync(cancellationToken);
        await using var natsJs = await NatsServerProcess.LaunchAsync(options.NatsServer, cancellationToken);
        await using var natsCore = await NatsServerProcess.LaunchAsync(options.NatsServer, cancellationToken);
        await using var nginx = await NginxProcess.StartAsync(options.Nginx, options.NchanModule, backend.Url, cancellationToken);
        var config = GatewayConfig(backend.Url);
        await using var gateway = await GatewayProcess.StartAsync(options.GatewayDll, natsJs.Url, config, "JetStream", cancellationToken);
        await using var gatewayCore = await GatewayProcess.StartAsync(options.GatewayDll, natsCore.Url, config, "Nats", cancellationToken);
        await using var floor = await DotnetAppProcess.StartAsync("floor", options.FloorDll, [$"--nats={natsCore.Url}"], cancellationToken);
        await using var yarp = await DotnetAppProcess.StartAsync("yarp", options.YarpDll, [$"--backend={backend.Url}"], cancellationToken);
        Progress($"started: backend {backend.Url}, nchan :{nginx.NchanPort}, nginx proxy :{nginx.ProxyPort}, gateway {gateway.PublicUrl} (JetStream), " +
            $"gateway-core {gatewayCore.PublicUrl} (core NATS), floor {floor.Url}, yarp {yarp.Url}");

        using var http = CreateHttpClient();
        await using var publishJs = new NatsConnection(new NatsOpts { Url = natsJs.Url, Name = "bench-publisher" });
        await using var publishCore = new NatsConnection(new NatsOpts { Url = natsCore.Url, Name = "bench-publisher" });
        var nchan = new NchanTarget(nginx, http);
        var floorTarget = new FloorTarget(floor, natsCore, NatsPublisher(publishCore), http);
        var gatewayTarget = new GatewayTarget("gateway", gateway, natsJs, NatsPublisher(publishJs));
        var coreTarget = new GatewayTarget("gateway-core", gatewayCore, natsCore, NatsPublisher(publishCore));

        var runner = new Runner(options, sizes, http, cancellationToken);
        var delivery = new List<DeliveryRow>();
        var idle = new List<IdleRow>();
        var rest = new List<RestRow>();

        // Push at N subscribers, each transport; the core-NATS gateway right after the JetStream one (JetStream cost).
        foreach (var (transport, workload, targets) in new (string, string, PushTarget[])[]
        {
            ("sse", "sse", [nchan, floorTarget, gatewayTarget, coreTarget]),
            ("websocket", "websocket", [nchan, floorTarget, gatewayTarget]),
            ("longpolling", "longpolling", [nchan, gatewayTarget]),
        })
        {
            foreach (var target in targets)
            {
                delivery.Add(await runner.DeliverAsync(workload, target, transport, sizes.Subscribers, sizes.Events, sizes.Rate));
            }
        }

        // Idle memory before the large run, whose heap growth would otherwise be taken for the held connections' cost.
        foreach (var transport in new[] { "sse", "websocket" })
        {
            foreach (var target in new PushTarget[] { nchan, floorTarget, gatewayTarget })
            {
                idle.Add(await runner.HoldAsync(target, transport, sizes.Held));
            }
        }

        foreach (var target in new PushTarget[] { nchan, floorTarget, gatewayTarget })
        {
            delivery.Add(await runner.DeliverAsync("sse-many", target, "sse", sizes.ManySubscribers, sizes.ManyEvents, sizes.ManyRate));
        }

        // REST: a warm-up run each, then rounds over all four so that each ratio compares runs seconds apart.
        var restTargets = new (string Name, Uri Url, Func<double> Cpu)[]
        {
            ("backend", new Uri(backend.Url, "/items/1"), () => CpuMeter.Read(null)),
            ("nginx", new Uri($"http://127.0.0.1:{nginx.ProxyPort}/items/1"), () => ProcessTree.CpuSeconds(nginx.Pid)),
            ("yarp", new Uri(yarp.Url, "/items/1"), () => CpuMeter.Read(yarp.Process)),
            ("gateway", new Uri(gateway.PublicUrl, "/items/1"), () => CpuMeter.Read(gateway.Process)),
            ("gateway-plain", new Uri(gateway.PublicUrl, "/plain/1"), () => CpuMeter.Read(gateway.Process)),
        };
        foreach (var (name, url, cpu) in restTargets)
        {
            await WrkRun.RunAsync(options.Wrk, name, url, sizes.RestConnections, sizes.RestWarmUp, cpu, cancellationToken);
        }

        for (var round = 0; round < sizes.RestRounds; round++)
        {
            foreach (var (name, url, cpu) in restTargets)
            {
                var row = await WrkRun.RunAsync(options.Wrk, name, url, sizes.RestConnections, sizes.RestDuration, cpu, cancellationToken);
                Progress($"rest {name,-8} {row.RequestsPerSecond,8:N0} req/s, p50 {row.P50Ms:F2} ms, p99 {row.P99Ms:F2} ms, {row.CpuMicrosPerRequest:F0} µs CPU/request, non-2xx {row.Non2xx}, socket errors {row.SocketErrors}");
                rest.Add(row);
            }
        }

        return new PeersResult
        {
            StartedUtc = started,
            WallSeconds = wall.Elapsed.TotalSeconds,
            Quick = options.Quick,
            Machine = MachineInfo.Capture(load),
            Versions = await Versions.CaptureAsync(options, cancellationToken),
            Sizes = sizes,
            Delivery = delivery,
            Idle = idle,
            Rest = rest,
            ProblemLog = new Dictionary<string, IReadOnlyList<string>>
            {
                ["gateway"] = [.. gateway.ProblemLines().Take(50)],
                ["gateway-core"] = [.. gatewayCore.ProblemLines().Take(50)],
                ["floor"] = [.. floor.ProblemLines().Take(50)],
                ["yarp"] = [.. yarp.ProblemLines().Take(50)],
                ["nats-server"] = [.. natsJs.ProblemLines().Concat(natsCore.ProblemLines()).Take(50)],
            },
        };
    }

    private static PacedPublisher NatsPublisher(NatsConnection nats) => new(
        (subject, payload, ct) => nats.PublishAsync(subject, payload, cancellationToken: ct),
        async ct => await nats.PingAsync(ct));

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

    internal static void Progress(string message) =>
        Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] peers: {message}");

    /// <summary>The steps shared by every peer: connect N clients, wait until the server holds them, measure, disconnect.</summary>
    private sealed class Runner(BenchOptions options, PeerSizes sizes, HttpClient http, CancellationToken cancellationToken)
    {
        private int _run;

        public async Task<DeliveryRow> DeliverAsync(string workload, PushTarget target, string transport, int subscribers, int events, int rate)
        {
            target.EnsureRunning();
            var channel = workload.Replace("-", "", StringComparison.Ordinal) + subscribers;
            await using var group = Connect(target, transport, channel, subscribers);
            await group.ConnectAsync(cancellationToken);
            await WaitForSubscribersAsync(target, transport, channel, subscribers);
            var cpu = new CpuMeter(target.BrokerCpuSeconds, target.ServerCpuSeconds);
            var subject = target.Subject(channel);

            // Warm-up on the same clients: JIT, and every long poller parked with a cursor before the measured run.
            await DeliveryRun.RunAsync(group, target.Publisher, cpu, subject, ++_run, PublishVariant.Max, options with { Events = sizes.WarmUpEvents, StallTimeout = WarmUpStall }, cancellationToken);
            var countersBefore = await target.CountersAsync(cancellationToken);
            var run = await DeliveryRun.RunAsync(group, target.Publisher, cpu, subject, ++_run, PublishVariant.Paced, options with { Events = events, Rate = rate }, cancellationToken);
            var countersAfter = await target.CountersAsync(cancellationToken);
            target.EnsureRunning();

            var used = countersBefore is { } b && countersAfter is { } a ? a - b : (RuntimeCounters?)null;
            var server = run.CpuSeconds.NatsServer + run.CpuSeconds.Gateway;
            var row = new DeliveryRow(workload, target.Name, transport, run, server,
                used is { } u && run.Delivered > 0 ? u.AllocatedBytes / run.Delivered : null,
                used is { } w && run.Delivered > 0 ? w.WorkItems / run.Delivered : null);
            Progress($"{workload,-11} {target.Name,-12} {run.Delivered}/{run.Expected} delivered, missing {run.Missing}, duplicates {run.Duplicates}, out of order {run.OutOfOrder}, " +
                $"p50 {run.LatencyMs.P50:F1} ms p99 {run.LatencyMs.P99:F1} ms, server CPU {server:F2} s, reconnects {run.Reconnects}" +
                (run.TimedOut ? $" (TIMED OUT: states {string.Join(", ", run.SubscriberStates.Select(p => $"{p.Key} {p.Value}"))})" : ""));
            return row;
        }

        public async Task<IdleRow> HoldAsync(PushTarget target, string transport, int connections)
        {
            target.EnsureRunning();
            var channel = "idle" + transport[..2] + connections;
            var before = await SettledRssAsync(target);
            await using var group = Connect(target, transport, channel, connections);
            await group.ConnectAsync(cancellationToken);
            await WaitForSubscribersAsync(target, transport, channel, connections);
            await Task.Delay(IdleSettle, cancellationToken);
            var held = await SettledRssAsync(target);
            var row = new IdleRow(target.Name, transport, connections, before, held);
            Progress($"idle {transport,-9} {target.Name,-12} {connections} held: {before / 1024.0:F1} -> {held / 1024.0:F1} MB, {row.KbPerConnection:F1} KB per connection");
            return row;
        }

        private GatewaySubscriberGroup Connect(PushTarget target, string transport, string channel, int count)
        {
            var stats = new SubscriberStats();
            var subscribers = Enumerable.Range(0, count).Select(_ => target.Subscriber(transport, channel, http, stats)).ToList();
            return new GatewaySubscriberGroup($"{target.Name}-{transport}", subscribers, stats, options.ConnectConcurrency, shared: null);
        }

        private async Task WaitForSubscribersAsync(PushTarget target, string transport, string channel, int expected)
        {
            var waited = Stopwatch.StartNew();
            int? held;
            while ((held = await target.SubscribersAsync(transport, channel, cancellationToken)) is { } n && n < expected)
            {
                if (waited.Elapsed > SubscribersTimeout)
                {
                    throw new TimeoutException($"{target.Name} holds {n} {transport} subscribers on {channel}, not {expected}, after {SubscribersTimeout.TotalSeconds:0} s.");
                }

                await Task.Delay(100, cancellationToken);
            }
        }

        /// <summary>The median of 5 readings 200 ms apart: one reading can land mid-GC.</summary>
        private async Task<long> SettledRssAsync(PushTarget target)
        {
            var values = new List<long>();
            for (var i = 0; i < 5; i++)
            {
                if (i > 0)
                {
                    await Task.Delay(200, cancellationToken);
                }

                values.Add(target.ServerRssKb());
            }

            values.Sort();
            return values[values.Count / 2];
        }
    }
}
