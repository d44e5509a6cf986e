using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Transports;

/// <summary>
/// The transport-agnostic suite: every transport, against every broker, with real clients and a real nats-server.
/// </summary>
public sealed class TransportMatrixTests(MatrixGateways gateways)
    : IClassFixture<MatrixGateways>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Theory]
    [MemberData(nameof(TransportMatrix.All), MemberType = typeof(TransportMatrix))]
    public async Task Delivery_EventsPublishedAfterConnect_ArriveInOrderWithIncreasingIds(string transport, string broker)
    {
        var gateway = await gateways.GetAsync(broker);
        var topic = Topic();
        var path = $"/t/{topic}/events";
        var cursor = await MatrixGateways.NegotiateCursorAsync(gateway, path);
        const int count = 200;

        var receiving = RawPushClient.CollectAsync(RawPushClient.StreamAsync(transport, gateway.PublicUrl, path, cursor, CancellationToken.None), Events(count), Timeout);
        for (var i = 0; i < count; i++)
        {
            await MatrixGateways.PublishAsync(gateway, $"t.{topic}", $"{{\"n\":{i}}}");
        }

        var events = (await receiving).Where(e => e.Kind == PushItemKind.Event).ToList();
        Assert.Equal(Enumerable.Range(0, count).Select(i => $"{{\"n\":{i}}}"), events.Select(e => e.Data));
        Assert.All(events, e => Assert.Equal("test", e.EventType));
        PushIds.AssertStrictlyIncreasing(events);
    }

    [Theory]
    [MemberData(nameof(TransportMatrix.All), MemberType = typeof(TransportMatrix))]
    public async Task Resume_ClientCutAtRandomPoint_ReceivesEveryEventExactlyOnceInOrder(string transport, string broker)
    {
        var gateway = await gateways.GetAsync(broker);
        var topic = Topic();
        var path = $"/t/{topic}/events";
        var start = await MatrixGateways.NegotiateCursorAsync(gateway, path);
        for (var i = 0; i < 100; i++)
        {
            await MatrixGateways.PublishAsync(gateway, $"t.{topic}", $"{{\"n\":{i}}}");
        }

        var cut = Random.Shared.Next(5, 95);
        var first = (await RawPushClient.CollectAsync(RawPushClient.StreamAsync(transport, gateway.PublicUrl, path, start, CancellationToken.None), Events(cut), Timeout))
            .Where(e => e.Kind == PushItemKind.Event).ToList();
        Assert.True(first.Count >= cut, $"got {first.Count} events before the cut, wanted {cut}");

        for (var i = 100; i < 200; i++)
        {
            await MatrixGateways.PublishAsync(gateway, $"t.{topic}", $"{{\"n\":{i}}}");
        }

        var second = (await RawPushClient.CollectAsync(RawPushClient.StreamAsync(transport, gateway.PublicUrl, path, first[^1].Id, CancellationToken.None), Events(200 - first.Count), Timeout))
            .Where(e => e.Kind == PushItemKind.Event).ToList();

        // The gateway never sends an id twice on one connection.
        Assert.Equal(first.Count, first.Select(e => e.Id).Distinct().Count());
        Assert.Equal(second.Count, second.Select(e => e.Id).Distinct().Count());

        var union = first.Concat(second).DistinctBy(e => e.Id).ToList();
        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"{{\"n\":{i}}}"), union.Select(e => e.Data));
        PushIds.AssertStrictlyIncreasing(union);
    }

    [Theory]
    [MemberData(nameof(TransportMatrix.All), MemberType = typeof(TransportMatrix))]
    public async Task Reset_CursorFromAnotherEpoch_IsSignalledAndDeliveryContinues(string transport, string broker)
    {
        var gateway = await gateways.GetAsync(broker);
        var topic = Topic();
        var path = $"/t/{topic}/events";
        var current = await MatrixGateways.NegotiateCursorAsync(gateway, path);
        await MatrixGateways.PublishAsync(gateway, $"t.{topic}", "{\"n\":0}");
        current = await MatrixGateways.WaitForNewCursorAsync(gateway, path, current);

        var items = await RawPushClient.CollectAsync(
            RawPushClient.StreamAsync(transport, gateway.PublicUrl, path, "zz0other-5", CancellationToken.None),
            got => got.Any(i => i.Kind == PushItemKind.Reset),
            Timeout);
        var reset = Assert.Single(items, i => i.Kind == PushItemKind.Reset);
        Assert.Equal(current, reset.Cursor);

        // From the reset cursor on, delivery goes on normally.
        var after = RawPushClient.CollectAsync(RawPushClient.StreamAsync(transport, gateway.PublicUrl, path, reset.Cursor, CancellationToken.None), Events(1), Timeout);
        await MatrixGateways.PublishAsync(gateway, $"t.{topic}", "{\"n\":1}");
        Assert.Equal("{\"n\":1}", Assert.Single(await after, e => e.Kind == PushItemKind.Event).Data);
    }

    [Theory]
    [MemberData(nameof(TransportMatrix.All), MemberType = typeof(TransportMatrix))]
    public async Task Reset_MalformedOrOversizedCursor_IsSignalledNotAnError(string transport, string broker)
    {
        var gateway = await gateways.GetAsync(broker);
        var path = $"/t/{Topic()}/events";
        foreach (var bad in new[] { "not a cursor!", "x-", "-5", "abc-12x", "a-99999999999999999999999", new string('7', 1024) })
        {
            var items = await RawPushClient.CollectAsync(
                RawPushClient.StreamAsync(transport, gateway.PublicUrl, path, bad, CancellationToken.None),
                got => got.Any(i => i.Kind is PushItemKind.Reset or PushItemKind.Closed),
                Timeout);
            Assert.Equal(PushItemKind.Reset, items.First(i => i.Kind is PushItemKind.Reset or PushItemKind.Closed).Kind);
        }
    }

    [Theory]
    [MemberData(nameof(TransportMatrix.All), MemberType = typeof(TransportMatrix))]
    public async Task KeepAlive_IdleSession_ShowsHeartbeatOrEmptyAnswer(string transport, string broker)
    {
        var gateway = await gateways.GetAsync(broker);
        var path = $"/t/{Topic()}/events";
        if (transport == "sse")
        {
            // SseParser hides comments, so read the raw stream for the ": heartbeat" line.
            using var http = new HttpClient();
            using var request = new HttpRequestMessage(HttpMethod.Get, gateway.PublicUrl + path);
            request.Headers.Accept.ParseAdd("text/event-stream");
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal("no-cache", response.Headers.CacheControl?.ToString());
            Assert.Equal("no", response.Headers.GetValues("X-Accel-Buffering").Single());
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            using var cts = new CancellationTokenSource(Timeout);
            Assert.StartsWith("retry:", await reader.ReadLineAsync(cts.Token), StringComparison.Ordinal);
            string? line;
            while ((line = await reader.ReadLineAsync(cts.Token)) is not null && line != ": heartbeat")
            {
            }

            Assert.Equal(": heartbeat", line);
            return;
        }

        var items = await RawPushClient.CollectAsync(
            RawPushClient.StreamAsync(transport, gateway.PublicUrl, path, null, CancellationToken.None),
            got => got.Count(i => i.Kind == PushItemKind.Heartbeat) >= 2,
            Timeout);
        Assert.True(items.Count(i => i.Kind == PushItemKind.Heartbeat) >= 2, string.Join(", ", items));
    }

    [Theory]
    [MemberData(nameof(TransportMatrix.Streaming), MemberType = typeof(TransportMatrix))]
    public async Task SlowConsumer_ClientStopsReading_IsDisconnectedCountedAndOthersKeepReceiving(string transport, string broker)
    {
        var gateway = await gateways.GetAsync(broker);
        var topic = Topic();
        var path = $"/slow/{topic}/events";
        var cursor = await MatrixGateways.NegotiateCursorAsync(gateway, path);
        var registry = (Gateway.Sessions.SessionRegistry)gateway.Services.GetService(typeof(Gateway.Sessions.SessionRegistry))!;

        // A client that connects and then never reads: its socket fills up and the gateway's write blocks.
        using var stalled = new TcpClient();
        stalled.ReceiveBufferSize = 4096;
        await stalled.ConnectAsync(IPAddress.Loopback, new Uri(gateway.PublicUrl).Port);
        var upgrade = transport == "websocket"
            ? $"GET {path}?cursor={cursor} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
            : $"GET {path} HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nLast-Event-ID: {cursor}\r\n\r\n";
        await stalled.GetStream().WriteAsync(Encoding.ASCII.GetBytes(upgrade));
        await Eventually.TrueAsync(() => registry.CountForRoute("slow") == 1, Timeout, "the stalled client's session opens");
        async Task<double> SlowConsumerClosesAsync() => Watch.MetricsText.Sum(await gateway.ManagementClient.GetStringAsync("/metrics"),
            $"gateway_sessions_closed_total{{route=\"slow\",transport=\"{transport}\",reason=\"slow_consumer\"}}");
        var slowBefore = await SlowConsumerClosesAsync();

        const int count = 600;
        // The healthy reader behaves like a real client: when told to reconnect, it resumes from its cursor.
        var healthy = RawPushClient.CollectResumingAsync(transport, gateway.PublicUrl, path, cursor, count, TimeSpan.FromSeconds(60));
        var payload = "{\"pad\":\"" + new string('x', 16 * 1024) + "\",\"n\":";
        for (var i = 0; i < count; i++)
        {
            await MatrixGateways.PublishAsync(gateway, $"slow.{topic}", payload + i.ToString(CultureInfo.InvariantCulture) + "}");
        }

        var events = await healthy;
        Assert.Equal(Enumerable.Range(0, count).Select(i => i.ToString(CultureInfo.InvariantCulture)), events.Select(e => e.Data![(e.Data!.LastIndexOf(':') + 1)..^1]));
        await Eventually.TrueAsync(() => registry.CountForRoute("slow") == 0, Timeout, "the stalled session is closed once the healthy one is done");

        // Exactly one session was cut as a slow consumer: the stalled one. The healthy reader (which would silently resume
        // if it were cut too) never was.
        await Eventually.TrueAsync(async () => await SlowConsumerClosesAsync() >= slowBefore + 1, Timeout, "the stalled session is counted");
        Assert.Equal(slowBefore + 1, await SlowConsumerClosesAsync());
    }

    private static string Topic() => "T" + Guid.NewGuid().ToString("N")[..12];

    private static Func<List<PushItem>, bool> Events(int count) => items => items.Count(i => i.Kind == PushItemKind.Event) >= count;
}
