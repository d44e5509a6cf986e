using System.Text;
using System.Text.Json;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.IntegrationTests.Transports;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Gateway.IntegrationTests.Sessions;

/// <summary>The push core end to end over SSE: volume, resume across a random cut, payload fidelity, purge detection.</summary>
public sealed class SseDeliveryTests(MatrixGateways gateways) : IClassFixture<MatrixGateways>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Theory]
    [InlineData("JetStream")]
    [InlineData("Nats")]
    [InlineData("Memory")]
    public async Task TenThousandEvents_ClientCutAtRandomPoint_UnionHasEveryEventOnceInOrder(string broker)
    {
        const int count = 10_000;
        var gateway = await gateways.GetAsync(broker);
        var topic = "B" + Guid.NewGuid().ToString("N")[..10];
        var path = $"/t/{topic}/events";
        var start = await MatrixGateways.NegotiateCursorAsync(gateway, path);

        // The first connection reads until a random point and is cut; publishing goes on meanwhile.
        var cut = Random.Shared.Next(1_000, 9_000);
        var first = RawPushClient.CollectAsync(RawPushClient.SseAsync(gateway.PublicUrl, path, start, CancellationToken.None),
            got => got.Count(i => i.Kind == PushItemKind.Event) >= cut, Timeout);
        var publishing = PublishManyAsync(gateway, broker, $"t.{topic}", count);
        var before = (await first).Where(i => i.Kind == PushItemKind.Event).ToList();

        var after = (await RawPushClient.CollectAsync(RawPushClient.SseAsync(gateway.PublicUrl, path, before[^1].Id, CancellationToken.None),
            got => got.Count(i => i.Kind == PushItemKind.Event) + before.Count >= count, Timeout)).Where(i => i.Kind == PushItemKind.Event).ToList();
        await publishing;

        var union = before.Concat(after).DistinctBy(e => e.Id).ToList();
        Assert.Equal(count, union.Count);
        for (var i = 0; i < count; i++)
        {
            Assert.Equal($"{{\"n\":{i}}}", union[i].Data);
        }

        PushIds.AssertStrictlyIncreasing(union);
    }

    [Theory]
    [InlineData("JetStream")]
    [InlineData("Nats")]
    [InlineData("Memory")]
    public async Task Payload_WithNewlinesCrLfAndDataPrefix_ArrivesByteIdenticalThroughSseParser(string broker)
    {
        var gateway = await gateways.GetAsync(broker);
        var topic = "P" + Guid.NewGuid().ToString("N")[..10];
        var path = $"/t/{topic}/events";
        var cursor = await MatrixGateways.NegotiateCursorAsync(gateway, path);
        string[] payloads =
        [
            "line1\nline2\r\nline3\rdata: injected\nid: 999\nevent: evil\n\n",
            "{\"text\":\"a\\nb\\r\\ndata: c\"}",
            "{\n  \"pretty\": true\n}",
            "data:",
            "\u00e9t\u00e9 \u2603 \ud83d\ude80",
        ];

        var receiving = RawPushClient.CollectAsync(RawPushClient.SseAsync(gateway.PublicUrl, path, cursor, CancellationToken.None),
            got => got.Count(i => i.Kind == PushItemKind.Event) >= payloads.Length, Timeout);
        foreach (var p in payloads)
        {
            await MatrixGateways.PublishAsync(gateway, $"t.{topic}", p);
        }

        var events = (await receiving).Where(i => i.Kind == PushItemKind.Event).ToList();
        Assert.Equal(payloads.Length, events.Count);
        Assert.All(events, e => Assert.Equal("test", e.EventType));
        Assert.Equal(payloads[0], events[0].Data);
        Assert.Equal(payloads[1], events[1].Data);

        // A JSON payload is passed through as JSON: the same value (the SSE line split turns its CR/LF whitespace into LF).
        Assert.Equal(JsonSerializer.Serialize(JsonDocument.Parse(payloads[2]).RootElement), JsonSerializer.Serialize(JsonDocument.Parse(events[2].Data!).RootElement));
        Assert.Equal(payloads[3], events[3].Data);
        Assert.Equal(payloads[4], events[4].Data);
    }

    [Fact]
    public async Task JetStream_StreamPurgedPastCursor_ResumeGetsReset()
    {
        var gateway = await gateways.GetAsync("JetStream");
        var topic = "R" + Guid.NewGuid().ToString("N")[..10];
        var path = $"/t/{topic}/events";
        var cursor = await MatrixGateways.NegotiateCursorAsync(gateway, path);
        for (var i = 0; i < 5; i++)
        {
            await MatrixGateways.PublishAsync(gateway, $"t.{topic}", $"{{\"n\":{i}}}");
        }

        var firstEvents = await RawPushClient.CollectAsync(RawPushClient.SseAsync(gateway.PublicUrl, path, cursor, CancellationToken.None),
            got => got.Count(i => i.Kind == PushItemKind.Event) >= 2, Timeout);
        var held = firstEvents.Where(i => i.Kind == PushItemKind.Event).ElementAt(1).Id!;

        // Purge the whole stream (an operator action), then publish more: events 3..5 of the client are gone.
        await using var nats = await gateways.Nats.ConnectAsync();
        var js = new NatsJSContext(nats);
        await js.PurgeStreamAsync("GATEWAY", new NATS.Client.JetStream.Models.StreamPurgeRequest());
        await MatrixGateways.PublishAsync(gateway, $"t.{topic}", "{\"n\":5}");

        // A fresh gateway instance has no replay buffer, so it must consult the stream and see the purge.
        await using var fresh = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(gateways.Nats, MatrixGateways.Config));
        await Eventually.TrueAsync(async () => (await fresh.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, Timeout, "the fresh gateway is ready");
        var items = await RawPushClient.CollectAsync(RawPushClient.SseAsync(fresh.PublicUrl, path, held, CancellationToken.None),
            got => got.Any(i => i.Kind is PushItemKind.Reset or PushItemKind.Event), Timeout);
        Assert.Equal(PushItemKind.Reset, items.First(i => i.Kind is PushItemKind.Reset or PushItemKind.Event).Kind);
    }

    [Fact]
    public async Task JetStream_ResumeOnAnotherInstance_ServesHistoryBeyondItsBuffer()
    {
        var gateway = await gateways.GetAsync("JetStream");
        var topic = "H" + Guid.NewGuid().ToString("N")[..10];
        var path = $"/t/{topic}/events";
        var cursor = await MatrixGateways.NegotiateCursorAsync(gateway, path);
        await PublishManyAsync(gateway, "JetStream", $"t.{topic}", 50);

        // Another instance never saw these events: it must read them from the stream, in order, from the cursor.
        await using var other = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(gateways.Nats, MatrixGateways.Config));
        await Eventually.TrueAsync(async () => (await other.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, Timeout, "the other gateway is ready");
        var events = (await RawPushClient.CollectAsync(RawPushClient.SseAsync(other.PublicUrl, path, cursor, CancellationToken.None),
            got => got.Count(i => i.Kind == PushItemKind.Event) >= 50 || got.Any(i => i.Kind == PushItemKind.Reset), Timeout)).ToList();
        Assert.True(!events.Any(i => i.Kind is PushItemKind.Reset or PushItemKind.Closed), string.Join("; ", events.Take(5)));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"{{\"n\":{i}}}"), events.Where(i => i.Kind == PushItemKind.Event).Select(e => e.Data));
    }

    [Fact]
    public async Task JetStream_CursorFromAnInstanceThatSawMoreOfTheStream_IsServedNotReset()
    {
        var a = await gateways.GetAsync("JetStream");
        var topic = "X" + Guid.NewGuid().ToString("N")[..10];
        var path = $"/t/{topic}/events";

        // A opens the subject's feed now; other subjects then move the stream's sequence on.
        await MatrixGateways.NegotiateCursorAsync(a, path);
        for (var i = 0; i < 5; i++)
        {
            await MatrixGateways.PublishAsync(a, $"t.other{topic}", "{}");
        }

        // B opens the same subject later: its "now" cursor is ahead of A's head.
        await using var b = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(gateways.Nats, MatrixGateways.Config));
        await Eventually.TrueAsync(async () => (await b.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, Timeout, "B is ready");
        var fromB = await MatrixGateways.NegotiateCursorAsync(b, path);

        var onA = RawPushClient.CollectAsync(RawPushClient.SseAsync(a.PublicUrl, path, fromB, CancellationToken.None),
            got => got.Any(i => i.Kind is PushItemKind.Event or PushItemKind.Reset), Timeout);
        await MatrixGateways.PublishAsync(a, $"t.{topic}", "{\"n\":1}");
        var first = (await onA).First(i => i.Kind is PushItemKind.Event or PushItemKind.Reset);
        Assert.Equal(PushItemKind.Event, first.Kind);
        Assert.Equal("{\"n\":1}", first.Data);
    }

    [Fact]
    public async Task JetStream_StreamDeletedAndRecreated_SessionsAreResetAndNewEventsStillArrive()
    {
        await using var nats = await NatsServerFixture.LaunchAsync();
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, MatrixGateways.Config));
        await Eventually.TrueAsync(async () => (await gateway.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, Timeout, "ready");
        var path = "/t/recreate/events";
        var cursor = await MatrixGateways.NegotiateCursorAsync(gateway, path);
        var client = RawPushClient.CollectAsync(RawPushClient.SseAsync(gateway.PublicUrl, path, cursor, CancellationToken.None),
            got => got.Any(i => i.Kind == PushItemKind.Reset) && got.Any(i => i.Data == "{\"n\":2}"), Timeout);
        await MatrixGateways.PublishAsync(gateway, "t.recreate", "{\"n\":1}");

        // An operator deletes the stream; the broker drops the gateway's consumer, the gateway recreates the stream on
        // reconnect (a restart here) and the feed must notice that sequences started over.
        await using (var conn = await nats.ConnectAsync())
        {
            await new NatsJSContext(conn).DeleteStreamAsync("GATEWAY");
        }

        await nats.StopAsync();
        await nats.StartAsync();
        await Eventually.TrueAsync(async () => (await gateway.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, Timeout, "ready again");
        await Eventually.TrueAsync(async () =>
        {
            await MatrixGateways.PublishAsync(gateway, "t.recreate", "{\"n\":2}");
            return (await Task.WhenAny(client, Task.Delay(500))) == client;
        }, Timeout, "an event published to the new stream arrives");

        var items = await client;
        Assert.Equal("{\"n\":1}", items.First(i => i.Kind == PushItemKind.Event).Data);
        var reset = items.FindIndex(i => i.Kind == PushItemKind.Reset);
        var second = items.FindIndex(i => i.Data == "{\"n\":2}");
        Assert.True(reset >= 0 && reset < second, "the reset comes before the first event of the new stream");
    }

    private async Task PublishManyAsync(GatewayInstance gateway, string broker, string subject, int count)
    {
        if (broker == "Memory")
        {
            for (var i = 0; i < count; i++)
            {
                await MatrixGateways.PublishAsync(gateway, subject, $"{{\"n\":{i}}}");
            }

            return;
        }

        await using var nats = await gateways.Nats.ConnectAsync();
        var headers = new NatsHeaders { ["Gw-Event"] = "test" };
        if (broker == "JetStream")
        {
            var js = new NatsJSContext(nats);
            for (var i = 0; i < count; i++)
            {
                var ack = await js.PublishAsync(subject, Encoding.UTF8.GetBytes($"{{\"n\":{i}}}"), headers: headers);
                ack.EnsureSuccess();
            }

            return;
        }

        for (var i = 0; i < count; i++)
        {
            await nats.PublishAsync(subject, Encoding.UTF8.GetBytes($"{{\"n\":{i}}}"), headers: headers);
        }

        await nats.PingAsync();
    }
}
