using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Multiplexing;

/// <summary><c>/_gateway/stream</c> over SSE: many subscriptions on one stream, resumed together by the composite cursor in <c>id:</c>.</summary>
[Collection(NatsCollection.Name)]
public sealed class StreamSseTests(NatsServerFixture nats, ITestOutputHelper output)
{
    [Fact]
    public async Task Sse_TwoSubscriptions_EachGetsItsOwnEventsTaggedByPath_WithTheSubjectsIds_AndACompositeId()
    {
        await using var gateway = await MuxGateway.StartAsync(nats, output);
        var (a, b) = (MuxGateway.Unique("A"), MuxGateway.Unique("B"));
        var (pathA, pathB) = ($"/t/{a}/events", $"/o/{b}/events");
        await using var sse = await MuxSse.OpenAsync(gateway.PublicUrl, [pathA, pathB]);
        var subscribed = (await sse.ReadUntilAsync(i => i.Any(x => x.EventType == "gateway.subscribed"), "gateway.subscribed")).Single(x => x.EventType == "gateway.subscribed");
        var cursors = JsonDocument.Parse(subscribed.Data).RootElement.GetProperty("subscriptions").EnumerateArray()
            .ToDictionary(s => s.GetProperty("path").GetString()!, s => s.GetProperty("cursor").GetString()!);
        Assert.StartsWith("v1~", subscribed.EventId, StringComparison.Ordinal);

        await MuxGateway.PublishAsync(gateway, $"t.{a}", "a", 1, 3);
        await MuxGateway.PublishAsync(gateway, $"o.{b}", "b", 1, 2);
        var items = await sse.ReadUntilAsync(i => MuxSse.Events(i, pathA).Count >= 3 && MuxSse.Events(i, pathB).Count >= 2, "3 + 2 events");
        Assert.Equal(["{\"a\":1}", "{\"a\":2}", "{\"a\":3}"], MuxSse.Events(items, pathA).Select(e => e.Data));
        Assert.Equal(["{\"b\":1}", "{\"b\":2}"], MuxSse.Events(items, pathB).Select(e => e.Data));
        Assert.Equal(await MuxGateway.SingleRouteIdsAsync(gateway, pathA, cursors[pathA], 3), MuxSse.Events(items, pathA).Select(e => e.Id));
        Assert.Equal(await MuxGateway.SingleRouteIdsAsync(gateway, pathB, cursors[pathB], 2), MuxSse.Events(items, pathB).Select(e => e.Id));
        Assert.Equal("test", items[^1].EventType);
        Assert.All(items.Where(i => i.EventType == "test"), i => Assert.StartsWith("v1~", i.EventId, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sse_ResumedWithLastEventId_ResumesEverySubscription_LosingAndRepeatingNothing()
    {
        await using var gateway = await MuxGateway.StartAsync(nats, output);
        var (a, b) = (MuxGateway.Unique("A"), MuxGateway.Unique("B"));
        var (pathA, pathB) = ($"/t/{a}/events", $"/o/{b}/events");
        string lastId;
        await using (var sse = await MuxSse.OpenAsync(gateway.PublicUrl, [pathA, pathB]))
        {
            await sse.ReadUntilAsync(i => i.Any(x => x.EventType == "gateway.subscribed"), "gateway.subscribed");
            await MuxGateway.PublishAsync(gateway, $"t.{a}", "a", 1, 2);
            await sse.ReadEventsAsync(pathA, 2);
            lastId = sse.LastEventId!;
        }

        // Dropped. Meanwhile A moves on and B, which had nothing yet, gets its first events.
        await MuxGateway.PublishAsync(gateway, $"t.{a}", "a", 3, 3);
        await MuxGateway.PublishAsync(gateway, $"o.{b}", "b", 1, 2);

        await using var again = await MuxSse.OpenAsync(gateway.PublicUrl, [pathA, pathB], lastId);
        var items = await again.ReadUntilAsync(i => MuxSse.Events(i, pathA).Count >= 3 && MuxSse.Events(i, pathB).Count >= 2, "the missed events");
        Assert.Equal(["{\"a\":3}", "{\"a\":4}", "{\"a\":5}"], MuxSse.Events(items, pathA).Select(e => e.Data));
        Assert.Equal(["{\"b\":1}", "{\"b\":2}"], MuxSse.Events(items, pathB).Select(e => e.Data));
        Assert.DoesNotContain(items, i => i.EventType == "gateway.reset");
    }

    [Fact]
    public async Task Sse_RefusedSubscriptions_AreGatewayErrorsForTheirPath_TheOthersDeliver()
    {
        await using var gateway = await MuxGateway.StartAsync(nats, output);
        var a = MuxGateway.Unique("A");
        var pathA = $"/t/{a}/events";
        await using var sse = await MuxSse.OpenAsync(gateway.PublicUrl, [pathA, "/w/x/events", "/users/bob/events", "/private/1/events"], token: MuxGateway.Token("alice"));
        var items = await sse.ReadUntilAsync(i => i.Count(x => x.EventType == "gateway.error") >= 2, "two gateway.error events");
        var errors = items.Where(i => i.EventType == "gateway.error").Select(i => JsonDocument.Parse(i.Data).RootElement).ToDictionary(e => e.GetProperty("path").GetString()!);
        Assert.Equal("transport_not_allowed", errors["/w/x/events"].GetProperty("error").GetString());
        Assert.Equal(["websocket"], errors["/w/x/events"].GetProperty("allowed").EnumerateArray().Select(x => x.GetString()));
        Assert.Equal("forbidden", errors["/users/bob/events"].GetProperty("error").GetString());
        Assert.False(errors.ContainsKey("/private/1/events"));

        await MuxGateway.PublishAsync(gateway, $"t.{a}", "a", 1, 2);
        await MuxGateway.PublishAsync(gateway, "private.1", "p", 1, 1);
        items = await sse.ReadUntilAsync(i => MuxSse.Events(i, pathA).Count >= 2 && MuxSse.Events(i, "/private/1/events").Count >= 1, "events of the admitted paths");
        Assert.Equal(["{\"a\":1}", "{\"a\":2}"], MuxSse.Events(items, pathA).Select(e => e.Data));
    }

    [Fact]
    public async Task Sse_Limits_TooManySubscriptionsAndTooLongCursor_Are400Json()
    {
        await using var gateway = await MuxGateway.StartAsync(nats, output, MuxGateway.Config(maxSubscriptions: 2, maxCursorLength: 100));
        using var tooMany = new HttpRequestMessage(HttpMethod.Get, "/_gateway/stream?subscribe=/t/1/events&subscribe=/t/2/events&subscribe=/t/3/events");
        tooMany.Headers.Accept.ParseAdd("text/event-stream");
        using var many = await gateway.PublicClient.SendAsync(tooMany);
        Assert.Equal(HttpStatusCode.BadRequest, many.StatusCode);
        Assert.Equal("too_many_subscriptions", (await many.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());

        using var longCursor = new HttpRequestMessage(HttpMethod.Get, "/_gateway/stream?subscribe=/t/1/events");
        longCursor.Headers.Accept.ParseAdd("text/event-stream");
        longCursor.Headers.TryAddWithoutValidation("Last-Event-ID", "v1~" + new string('a', 101));
        using var tooLong = await gateway.PublicClient.SendAsync(longCursor);
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Equal("cursor_too_long", (await tooLong.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());

        // A composite that does not parse is no error loop: the subscription starts with a reset.
        await using var sse = await MuxSse.OpenAsync(gateway.PublicUrl, ["/t/1/events"], "v1~garbage");
        var reset = (await sse.ReadUntilAsync(i => i.Any(x => x.EventType == "gateway.reset"), "a reset")).Single(x => x.EventType == "gateway.reset");
        Assert.Equal("/t/1/events", JsonDocument.Parse(reset.Data).RootElement.GetProperty("path").GetString());
    }
}
