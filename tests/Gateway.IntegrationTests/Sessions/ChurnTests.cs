using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.IntegrationTests.Transports;

namespace Gateway.IntegrationTests.Sessions;

/// <summary>
/// Connection churn over every transport returns the instance to where it started: no session, topic, broker consumer,
/// timer entry or heap growth is left behind; and a client dropped again and again while events flow resumes every
/// time without losing or repeating one (docs/scale-out.md, "Leaks over time"; <c>bench/</c> has the hours-long soak).
/// </summary>
[Collection(IsolatedNatsCollection.Name)]
public sealed class ChurnTests(NatsServerFixture nats, ITestOutputHelper output)
{
    private static readonly string[] Transports = ["websocket", "sse", "longpolling", "polling"];
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private const int CyclesPerTransport = 500;
    private const int Concurrency = 16;
    private const int Subjects = 25;

    /// <summary>
    /// About ten times the growth measured over a clean run (70-440 KB), yet a third of what keeping each cycle's session
    /// object alive costs (2,000 leaked sessions measured +11.7 MB, about 6 KB each).
    /// </summary>
    private const long HeapBudgetBytes = 4L << 20;

    [Fact]
    public async Task ThousandsOfConnectDisconnectCycles_OnEveryTransport_ReturnSessionsTopicsConsumersTimersAndHeapToBaseline()
    {
        var id = Guid.NewGuid().ToString("N")[..10];
        var prefix = "ch" + id;
        var stream = "CHURN_" + id.ToUpperInvariant();
        await using var gateway = await StartAsync(Config(prefix, stream));
        var sessions = Service<Gateway.Sessions.SessionRegistry>(gateway);
        var topics = Service<Gateway.Sessions.TopicRegistry>(gateway);
        var wheel = Service<Gateway.Sessions.SessionServices>(gateway).Wheel;

        using var stop = new CancellationTokenSource();
        var publisher = PublishAsync(gateway, prefix, stop.Token);
        try
        {
            // Warm-up: JIT, pools, the first topics and consumers; then the baseline.
            await ChurnAsync(gateway, prefix, cyclesPerTransport: 25);
            await WaitForRestAsync(gateway, sessions, topics, wheel, stream);
            var baseline = Heap();
            output.WriteLine($"baseline heap {baseline / 1024} KB");

            var started = DateTime.UtcNow;
            var cycles = await ChurnAsync(gateway, prefix, CyclesPerTransport);
            output.WriteLine($"{cycles} connect/disconnect cycles in {(DateTime.UtcNow - started).TotalSeconds:F1} s");
            Assert.Equal(CyclesPerTransport * Transports.Length, cycles);

            await WaitForRestAsync(gateway, sessions, topics, wheel, stream);
            var after = Heap();
            output.WriteLine($"heap after churn {after / 1024} KB ({(after - baseline) / 1024:+#;-#;0} KB)");
            Assert.True(after - baseline < HeapBudgetBytes, $"the heap grew by {(after - baseline) / 1024} KB over {cycles} cycles (budget {HeapBudgetBytes / 1024} KB)");
        }
        finally
        {
            await stop.CancelAsync();
            await publisher;
        }
    }

    [Theory]
    [InlineData("websocket")]
    [InlineData("sse")]
    [InlineData("longpolling")]
    [InlineData("polling")]
    public async Task AClientDroppedEveryFewEvents_WhileEventsFlow_ResumesEachTimeWithoutLossOrRepeat(string transport)
    {
        const int total = 300;
        const int dropEvery = 7;
        var id = Guid.NewGuid().ToString("N")[..10];
        var prefix = "rs" + id;
        await using var gateway = await StartAsync(Config(prefix, "RESUME_" + id.ToUpperInvariant()));
        var path = $"/{prefix}/one/events";
        var subject = $"{prefix}.one";
        var cursor = await MatrixGateways.NegotiateCursorAsync(gateway, path);

        var publisher = Task.Run(async () =>
        {
            for (var n = 1; n <= total; n++)
            {
                await MatrixGateways.PublishAsync(gateway, subject, $"{{\"n\":{n}}}");
                if (n % 10 == 0)
                {
                    await Task.Delay(20);
                }
            }
        });

        var received = new List<int>();
        var drops = 0;
        using var deadline = new CancellationTokenSource(Timeout);
        while (received.Count < total)
        {
            deadline.Token.ThrowIfCancellationRequested();
            var got = 0;
            var items = await RawPushClient.CollectAsync(
                RawPushClient.StreamAsync(transport, gateway.PublicUrl, path, cursor, deadline.Token),
                seen => (got = seen.Count(i => i.Kind == PushItemKind.Event)) >= dropEvery || received.Count + got >= total || seen[^1].Kind is PushItemKind.Closed or PushItemKind.Reconnect,
                Timeout);
            foreach (var item in items)
            {
                Assert.NotEqual(PushItemKind.Reset, item.Kind);
                Assert.NotEqual(PushItemKind.Gap, item.Kind);
                if (item.Kind == PushItemKind.Event)
                {
                    received.Add(JsonDocument.Parse(item.Data!).RootElement.GetProperty("n").GetInt32());
                    cursor = item.Id;
                }
            }

            drops++;
        }

        await publisher;
        output.WriteLine($"{transport}: {received.Count} events over {drops} connections");
        Assert.Equal(Enumerable.Range(1, total), received);
        Assert.True(drops >= total / dropEvery, $"the client was dropped {drops} times");
    }

    private static string Config(string prefix, string stream) => $$"""
        {
          "Gateway": {
            "Broker": { "StreamName": "{{stream}}", "StreamSubjects": [ "{{prefix}}.>" ], "Storage": "Memory", "TopicLinger": "00:00:00.200" },
            "Limits": { "MaxSessionsPerClient": 1000000, "MaxPollsInFlightPerClient": 1000000, "MaxNegotiationsInFlightPerClient": 1000000, "GlobalConnectRate": 100000, "GlobalConnectBurst": 100000, "ConnectRatePerClient": 100000, "ConnectBurstPerClient": 100000, "PollRatePerClient": 100000, "PollBurstPerClient": 100000, "GlobalPollRate": 100000, "GlobalPollBurst": 100000 }
          },
          "ReverseProxy": {
            "Routes": {
              "churn": { "Match": { "Path": "/{{prefix}}/{topic}/events" }, "Metadata": { "Push.Subject": "{{prefix}}.{topic}", "Push.Heartbeat": "00:00:01" } }
            },
            "Clusters": {}
          }
        }
        """;

    private async Task<GatewayInstance> StartAsync(string config)
    {
        var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, config, output));
        await Eventually.TrueAsync(async () => (await gateway.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, Timeout, "the gateway is ready (its stream exists)");
        return gateway;
    }

    private static T Service<T>(GatewayInstance gateway) => (T)gateway.Services.GetService(typeof(T))!;

    /// <summary>Keeps every churn subject busy (an event on each about every 250 ms), so each cycle sees one quickly.</summary>
    private static Task PublishAsync(GatewayInstance gateway, string prefix, CancellationToken ct) => Task.Run(async () =>
    {
        var n = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await MatrixGateways.PublishAsync(gateway, $"{prefix}.s{n % Subjects}", $"{{\"n\":{n}}}");
                n++;
                if (n % Subjects == 0)
                {
                    await Task.Delay(250, ct);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    });

    /// <summary>
    /// Each cycle opens a push connection on one of <see cref="Subjects"/> subjects, waits for its first answer (an event,
    /// or an empty poll) and drops it: abruptly (the client goes away mid-stream) for the streaming transports.
    /// </summary>
    private static async Task<int> ChurnAsync(GatewayInstance gateway, string prefix, int cyclesPerTransport)
    {
        var done = 0;
        var work = Transports.SelectMany(t => Enumerable.Range(0, cyclesPerTransport).Select(i => (Transport: t, Subject: i % Subjects))).ToList();
        await Parallel.ForEachAsync(work, new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (cycle, ct) =>
        {
            var path = $"/{prefix}/s{cycle.Subject.ToString(CultureInfo.InvariantCulture)}/events";
            var items = await RawPushClient.CollectAsync(RawPushClient.StreamAsync(cycle.Transport, gateway.PublicUrl, path, null, ct), got => got.Count > 0, Timeout);
            Assert.True(items.Count > 0 && items[0].Kind is PushItemKind.Event or PushItemKind.Heartbeat, $"{cycle.Transport} on {path}: {(items.Count == 0 ? "nothing" : items[0].ToString())}");
            Interlocked.Increment(ref done);
        });
        return done;
    }

    /// <summary>Everything the churn created is gone: sessions, topics (after their linger), broker consumers, timer entries.</summary>
    private async Task WaitForRestAsync(GatewayInstance gateway, Gateway.Sessions.SessionRegistry sessions, Gateway.Sessions.TopicRegistry topics, Gateway.Sessions.TimerWheel wheel, string stream)
    {
        await Eventually.TrueAsync(() => sessions.Count == 0, Timeout, "every session has ended");
        await Eventually.TrueAsync(() => topics.Count == 0, Timeout, "every topic has been released after its linger");
        await Eventually.TrueAsync(async () => await ConsumersAsync(stream) == 0, Timeout, "nats-server holds no consumer of the gateway's stream");
        await Eventually.TrueAsync(async () => (await gateway.ManagementClient.GetStringAsync("/metrics")).Contains("\ngateway_broker_subscriptions 0\n", StringComparison.Ordinal), Timeout, "the gateway counts no broker subscription");
        await Eventually.TrueAsync(() => wheel.Count == 0, Timeout, "no timer entry of an ended session is left");
    }

    private static long Heap()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>The stream's consumers according to nats-server's <c>/jsz</c>.</summary>
    private async Task<int> ConsumersAsync(string stream)
    {
        using var http = new HttpClient();
        var json = await http.GetFromJsonAsync<JsonElement>($"{nats.MonitorUrl}/jsz?accounts=true&streams=true&consumers=true");
        foreach (var account in json.GetProperty("account_details").EnumerateArray())
        {
            foreach (var s in account.GetProperty("stream_detail").EnumerateArray())
            {
                if (s.GetProperty("name").GetString() == stream)
                {
                    return s.GetProperty("state").GetProperty("consumer_count").GetInt32();
                }
            }
        }

        return 0;
    }
}
