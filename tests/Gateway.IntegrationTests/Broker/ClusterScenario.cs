using System.Diagnostics;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.IntegrationTests.Transports;
using Microsoft.Extensions.DependencyInjection;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Gateway.IntegrationTests.Broker;

/// <summary>
/// The production shape in small: a 3-node JetStream cluster, stream replicated 3 times, gateway A preferring node 1
/// and gateway B node 2 (each with the full server list), an SSE, a WebSocket and a long-poll client on each gateway,
/// and a publisher sending a steady stream of numbered events. A test breaks something in the middle and then checks
/// what every client received (docs/scale-out.md "Losing a NATS node").
/// </summary>
internal sealed class ClusterScenario : IAsyncDisposable
{
    public const string Stream = "GATEWAY";
    public const string Subject = "c.k1";
    public const string Path = "/c/k1/events";

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    internal const string Config = """
        {
          "Gateway": { "Limits": { "ConnectRatePerClient": 10000, "ConnectBurstPerClient": 10000, "PollRatePerClient": 10000, "PollBurstPerClient": 10000 } },
          "ReverseProxy": {
            "Routes": { "c": { "Match": { "Path": "/c/{id}/events" }, "Metadata": { "Push.Subject": "c.{id}", "Push.Heartbeat": "00:00:01" } } },
            "Clusters": {}
          }
        }
        """;

    private static readonly string[] Transports = ["sse", "websocket", "longpolling"];

    private readonly CancellationTokenSource clientsStop = new();
    private readonly List<RecordingClient> clients = [];
    private readonly List<ReadinessLog> readiness = [];
    private readonly ITestOutputHelper output;

    private ClusterScenario(NatsCluster cluster, GatewayInstance a, GatewayInstance b, ITestOutputHelper output)
    {
        this.output = output;
        Cluster = cluster;
        A = a;
        B = b;
    }

    public NatsCluster Cluster { get; }

    /// <summary>The gateway that prefers node index 0 (n1).</summary>
    public GatewayInstance A { get; }

    /// <summary>The gateway that prefers node index 1 (n2).</summary>
    public GatewayInstance B { get; }

    public Stopwatch Clock { get; } = Stopwatch.StartNew();

    public SteadyPublisher Publisher { get; private set; } = null!;

    public ReadinessLog ReadinessA => readiness[0];

    public ReadinessLog ReadinessB => readiness[1];

    public static async Task<ClusterScenario> StartAsync(ITestOutputHelper output)
    {
        var binary = NatsServerLocator.FindBinary() ?? throw new InvalidOperationException("The cluster tests need the nats-server binary (scripts/test.sh installs it).");
        var cluster = await NatsCluster.StartAsync(binary, echo: null);
        GatewayInstance? a = null;
        try
        {
            a = await GatewayInstance.StartAsync(Options(cluster, 0, output));
            var b = await GatewayInstance.StartAsync(Options(cluster, 1, output));
            var scenario = new ClusterScenario(cluster, a, b, output);
            await scenario.BeginAsync();
            return scenario;
        }
        catch
        {
            if (a is not null)
            {
                await a.DisposeAsync();
            }

            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits until the publisher has <paramref name="more"/> more acknowledged events than now.</summary>
    public Task PublishedAtLeastAsync(int more)
    {
        var target = Publisher.Published + more;
        return Eventually.TrueAsync(() => Publisher.Published >= target, Timeout, $"the publisher gets {more} more events acknowledged");
    }

    /// <summary>Stops publishing and checks every client: each published number arrived, one id per number across the
    /// whole test, no id twice on any one connection, ids rising within a connection, no reset.</summary>
    public async Task StopAndVerifyAsync()
    {
        await Publisher.StopAsync();
        var expected = Publisher.Payloads.ToHashSet(StringComparer.Ordinal);
        foreach (var client in clients)
        {
            try
            {
                await Eventually.TrueAsync(() => client.DistinctData().IsSupersetOf(expected), Timeout,
                    $"{client} receives all {expected.Count} published events (missing: {string.Join(",", expected.Except(client.DistinctData()).Take(20))})");
            }
            catch
            {
                DumpState();
                throw;
            }
        }

        await clientsStop.CancelAsync();
        await Task.WhenAll(clients.Select(c => c.Completion)).WaitAsync(Timeout);

        var idOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var client in clients)
        {
            foreach (var connection in client.Connections)
            {
                Assert.DoesNotContain(connection, i => i.Kind is PushItemKind.Reset or PushItemKind.Gap);
                var events = connection.Where(i => i.Kind == PushItemKind.Event).ToList();
                Assert.True(events.Select(e => e.Id).Distinct().Count() == events.Count, $"{client}: an id came twice on one connection: {string.Join(",", events.Select(e => e.Data))}");
                var numbers = events.Select(e => int.Parse(e.Data!["{\"n\":".Length..^1], System.Globalization.CultureInfo.InvariantCulture)).ToList();
                Assert.True(numbers.SequenceEqual(numbers.Order()), $"{client}: events out of order on one connection: {string.Join(",", numbers)}");
                foreach (var e in events)
                {
                    Assert.Equal(idOf.TryAdd(e.Data!, e.Id!) ? e.Id : idOf[e.Data!], e.Id);
                }
            }
        }
    }

    /// <summary>Prints what every client saw last and every session's loop state: what a quiet client was waiting on.</summary>
    private void DumpState()
    {
        foreach (var client in clients)
        {
            var connections = client.Connections;
            var missing = Publisher.Payloads.Except(client.DistinctData()).ToList();
            output.WriteLine($"{client}: missing {missing.Count}: {string.Join(",", missing.Take(30))}");
            output.WriteLine($"{client}: {connections.Count} connections; last: {string.Join(" ", connections.TakeLast(3).Select(c => "[" + string.Join(",", c.TakeLast(4).Select(i => $"{i.Kind}:{i.Id}:{i.Reason}")) + "]"))}");
        }

        foreach (var (name, gateway) in new[] { ("A", A), ("B", B) })
        {
            if (gateway.Services.GetRequiredService<Gateway.Sessions.SessionHost>().TryAcquireOpen(Subject, out var topic))
            {
                var entries = new List<Gateway.Sessions.EventEntry>();
                topic.Read(new Gateway.Sessions.Cursor(topic.Epoch, topic.EvictedThrough), 100_000, entries);
                output.WriteLine($"{name}: topic from {topic.EvictedThrough}: {string.Join(",", entries.Select(e => $"{e.Sequence}={System.Text.Encoding.UTF8.GetString(e.Source.Data.Span)}"))}");
            }

            foreach (var session in gateway.Services.GetRequiredService<Gateway.Sessions.SessionRegistry>().Sessions)
            {
                output.WriteLine($"{name}: {session.DebugState}");
            }
        }
    }

    /// <summary>The configured replica count of the gateway-created stream, asked through any running node.</summary>
    public async Task<int> StreamReplicasAsync()
    {
        await using var connection = new NatsConnection(new NatsOpts { Url = Cluster.Urls, Name = "cluster-probe" });
        var stream = await new NatsJSContext(connection).GetStreamAsync(Stream);
        return stream.Info.Config.NumReplicas;
    }

    public async ValueTask DisposeAsync()
    {
        await clientsStop.CancelAsync();
        await Publisher.DisposeAsync();
        foreach (var log in readiness)
        {
            await log.DisposeAsync();
        }

        await A.DisposeAsync();
        await B.DisposeAsync();
        await Cluster.DisposeAsync();
        clientsStop.Dispose();
    }

    private static GatewayLaunchOptions Options(NatsCluster cluster, int preferred, ITestOutputHelper output) => new()
    {
        ConfigJson = Config,
        BrokerUrl = cluster.UrlsStartingWith(preferred),
        Output = output,
        ExtraArgs =
        [
            "--Gateway:Broker:Replicas=3",
            "--Gateway:Broker:RandomizeServers=false",

            // A frozen node is given up after about 3 s instead of 15 s, so a test stays well under a minute.
            "--Gateway:Broker:PingInterval=00:00:01",
            "--Gateway:Broker:MaxPingsOut=2",
        ],
    };

    private async Task BeginAsync()
    {
        foreach (var gateway in new[] { A, B })
        {
            await Eventually.TrueAsync(async () => (await gateway.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, Timeout, "the gateway is ready on the cluster");
        }

        readiness.Add(new ReadinessLog(A.ManagementClient, Clock));
        readiness.Add(new ReadinessLog(B.ManagementClient, Clock));
        var cursor = await MatrixGateways.NegotiateCursorAsync(A, Path);
        foreach (var (gateway, other) in new[] { (A, B), (B, A) })
        {
            foreach (var transport in Transports)
            {
                clients.Add(RecordingClient.Start(transport, [gateway.PublicUrl, other.PublicUrl], Path, cursor, clientsStop.Token));
            }
        }

        Publisher = SteadyPublisher.Start(Cluster.Urls, Subject);
    }
}
