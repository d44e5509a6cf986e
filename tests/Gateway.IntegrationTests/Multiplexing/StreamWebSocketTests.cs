using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.Sessions;

namespace Gateway.IntegrationTests.Multiplexing;

/// <summary>
/// <c>/_gateway/stream</c> over WebSocket and its negotiate: many subscriptions on one socket, each with its own events,
/// resume, refusal and end (docs/protocol.md "One connection, many subscriptions").
/// </summary>
[Collection(NatsCollection.Name)]
public sealed class StreamWebSocketTests(NatsServerFixture nats, ITestOutputHelper output)
{
    private Task<GatewayInstance> StartAsync(string? config = null) => MuxGateway.StartAsync(nats, output, config);

    [Fact]
    public async Task WebSocket_TwoSubscriptions_EachGetsItsOwnEventsTaggedByPath_WithTheSubjectsIds()
    {
        await using var gateway = await StartAsync();
        var (a, b) = (MuxGateway.Unique("A"), MuxGateway.Unique("B"));
        var (pathA, pathB) = ($"/t/{a}/events", $"/o/{b}/events");
        await using var ws = await MuxWebSocket.ConnectAsync(gateway.PublicUrl);
        await ws.SubscribeAsync(pathA);
        await ws.SubscribeAsync(pathB);
        var cursorA = (await ws.ReadFrameAsync("subscribed", pathA)).GetProperty("cursor").GetString()!;
        var cursorB = (await ws.ReadFrameAsync("subscribed", pathB)).GetProperty("cursor").GetString()!;

        await MuxGateway.PublishAsync(gateway, $"t.{a}", "a", 1, 3);
        await MuxGateway.PublishAsync(gateway, $"o.{b}", "b", 1, 2);
        var frames = await ws.ReadUntilAsync(f => MuxWebSocket.Events(f, pathA).Count >= 3 && MuxWebSocket.Events(f, pathB).Count >= 2, "3 + 2 events");

        var eventsA = MuxWebSocket.Events(frames, pathA);
        var eventsB = MuxWebSocket.Events(frames, pathB);
        Assert.Equal(["{\"a\":1}", "{\"a\":2}", "{\"a\":3}"], eventsA.Select(e => e.GetProperty("data").GetRawText()));
        Assert.Equal(["{\"b\":1}", "{\"b\":2}"], eventsB.Select(e => e.GetProperty("data").GetRawText()));
        Assert.Equal(await MuxGateway.SingleRouteIdsAsync(gateway, pathA, cursorA, 3), eventsA.Select(e => e.GetProperty("id").GetString()));
        Assert.Equal(await MuxGateway.SingleRouteIdsAsync(gateway, pathB, cursorB, 2), eventsB.Select(e => e.GetProperty("id").GetString()));
        Assert.Equal(5, frames.Count(f => f.GetProperty("type").GetString() == "event"));

        var metrics = await MuxGateway.MetricsAsync(gateway);
        Assert.Contains("gateway_subscriptions_active{route=\"stream\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("gateway_subscriptions_active{route=\"other\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("gateway_multiplexed_connections_active{transport=\"websocket\"} 1", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WebSocket_DroppedAndResumedWithEachPathsLastId_LosesNothingAndRepeatsNothing()
    {
        await using var gateway = await StartAsync();
        var (a, b) = (MuxGateway.Unique("A"), MuxGateway.Unique("B"));
        var (pathA, pathB) = ($"/t/{a}/events", $"/o/{b}/events");
        var ws = await MuxWebSocket.ConnectAsync(gateway.PublicUrl);
        await ws.SubscribeAsync(pathA);
        await ws.SubscribeAsync(pathB);
        await ws.ReadFrameAsync("subscribed", pathA);
        var cursorB = (await ws.ReadFrameAsync("subscribed", pathB)).GetProperty("cursor").GetString()!;
        await MuxGateway.PublishAsync(gateway, $"t.{a}", "a", 1, 2);
        var first = await ws.ReadEventsAsync(pathA, 2);
        var lastA = MuxWebSocket.Events(first, pathA)[^1].GetProperty("id").GetString()!;
        ws.Abort();
        await ws.DisposeAsync();

        // While nobody listens: more for A, and B's first events (B resumes from the cursor its subscribe answered).
        await MuxGateway.PublishAsync(gateway, $"t.{a}", "a", 3, 3);
        await MuxGateway.PublishAsync(gateway, $"o.{b}", "b", 1, 2);
        await MuxGateway.SingleRouteIdsAsync(gateway, pathB, cursorB, 2);

        await using var again = await MuxWebSocket.ConnectAsync(gateway.PublicUrl);
        await again.SubscribeAsync(pathA, lastA);
        await again.SubscribeAsync(pathB, cursorB);
        var frames = await again.ReadUntilAsync(f => MuxWebSocket.Events(f, pathA).Count >= 3 && MuxWebSocket.Events(f, pathB).Count >= 2, "the missed events");
        Assert.Equal(["{\"a\":3}", "{\"a\":4}", "{\"a\":5}"], MuxWebSocket.Events(frames, pathA).Select(e => e.GetProperty("data").GetRawText()));
        Assert.Equal(["{\"b\":1}", "{\"b\":2}"], MuxWebSocket.Events(frames, pathB).Select(e => e.GetProperty("data").GetRawText()));
        Assert.DoesNotContain(frames, f => f.GetProperty("type").GetString() == "reset");
    }

    [Fact]
    public async Task WebSocket_RefusedSubscriptions_AreErrorsForTheirPathOnly_TheOthersKeepReceiving()
    {
        await using var gateway = await StartAsync();
        var a = MuxGateway.Unique("A");
        var pathA = $"/t/{a}/events";
        await using var ws = await MuxWebSocket.ConnectAsync(gateway.PublicUrl, MuxGateway.Token("alice"));
        await ws.SubscribeAsync(pathA);
        await ws.ReadFrameAsync("subscribed", pathA);

        await ws.SubscribeAsync("/users/bob/events");     // Push.RequireClaim sub={user}: alice may not read bob's
        await ws.SubscribeAsync("/s/x/events");           // the route allows SSE only
        await ws.SubscribeAsync("/nowhere/events");       // no push route
        await ws.SubscribeAsync("/users/alice/events");   // her own: admitted
        var forbidden = await ws.ReadFrameAsync("error", "/users/bob/events");
        Assert.Equal("forbidden", forbidden.GetProperty("error").GetString());
        Assert.Equal(403, forbidden.GetProperty("status").GetInt32());
        var transport = await ws.ReadFrameAsync("error", "/s/x/events");
        Assert.Equal("transport_not_allowed", transport.GetProperty("error").GetString());
        Assert.Equal(["sse"], transport.GetProperty("allowed").EnumerateArray().Select(x => x.GetString()));
        Assert.Equal("not_found", (await ws.ReadFrameAsync("error", "/nowhere/events")).GetProperty("error").GetString());
        await ws.ReadFrameAsync("subscribed", "/users/alice/events");

        await MuxGateway.PublishAsync(gateway, $"t.{a}", "a", 1, 2);
        await MuxGateway.PublishAsync(gateway, "users.alice", "u", 1, 1);
        var frames = await ws.ReadUntilAsync(f => MuxWebSocket.Events(f, pathA).Count >= 2 && MuxWebSocket.Events(f, "/users/alice/events").Count >= 1, "events after the refusals");
        Assert.Equal(["{\"a\":1}", "{\"a\":2}"], MuxWebSocket.Events(frames, pathA).Select(e => e.GetProperty("data").GetRawText()));
        Assert.Contains("gateway_subscriptions_refused_total{route=\"users\",reason=\"forbidden\"} 1", await MuxGateway.MetricsAsync(gateway), StringComparison.Ordinal);

        // The route's own policy: without a token the private route is refused 401, the connection stays.
        await using var anonymous = await MuxWebSocket.ConnectAsync(gateway.PublicUrl);
        await anonymous.SubscribeAsync("/private/1/events");
        await anonymous.SubscribeAsync(pathA);
        Assert.Equal(401, (await anonymous.ReadFrameAsync("error", "/private/1/events")).GetProperty("status").GetInt32());
        await anonymous.ReadFrameAsync("subscribed", pathA);
    }

    [Fact]
    public async Task WebSocket_Unsubscribe_EndsThatPathsSessionOnly()
    {
        await using var gateway = await StartAsync();
        var (a, b) = (MuxGateway.Unique("A"), MuxGateway.Unique("B"));
        var (pathA, pathB) = ($"/t/{a}/events", $"/o/{b}/events");
        var registry = (SessionRegistry)gateway.Services.GetService(typeof(SessionRegistry))!;
        await using var ws = await MuxWebSocket.ConnectAsync(gateway.PublicUrl);
        await ws.SubscribeAsync(pathA);
        await ws.SubscribeAsync(pathB);
        await ws.ReadFrameAsync("subscribed", pathB);
        await Eventually.TrueAsync(() => registry.Sessions.Count(s => s.Subject == $"t.{a}" || s.Subject == $"o.{b}") == 2, MuxGateway.Timeout, "both sessions run");

        await ws.UnsubscribeAsync(pathA);
        await ws.ReadFrameAsync("unsubscribed", pathA);
        Assert.DoesNotContain(registry.Sessions, s => s.Subject == $"t.{a}");
        Assert.Single(registry.Sessions, s => s.Subject == $"o.{b}");

        await MuxGateway.PublishAsync(gateway, $"t.{a}", "a", 1, 1);
        await MuxGateway.PublishAsync(gateway, $"o.{b}", "b", 1, 2);
        var frames = await ws.ReadEventsAsync(pathB, 2);
        Assert.Empty(MuxWebSocket.Events(frames, pathA));

        await ws.UnsubscribeAsync(pathA);
        Assert.Equal("not_subscribed", (await ws.ReadFrameAsync("error", pathA)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task WebSocket_Limits_SubscriptionCountAndSubscribeRate_AreErrorFrames_NotCloses()
    {
        await using var gateway = await StartAsync(MuxGateway.Config(maxSubscriptions: 2, subscribeRate: 1));
        await using var ws = await MuxWebSocket.ConnectAsync(gateway.PublicUrl);
        var paths = Enumerable.Range(0, 3).Select(i => $"/t/{MuxGateway.Unique("L")}/events").ToList();
        foreach (var path in paths)
        {
            await ws.SubscribeAsync(path);
        }

        await ws.ReadFrameAsync("subscribed", paths[1]);
        var limit = await ws.ReadFrameAsync("error", paths[2]);
        Assert.Equal("too_many_subscriptions", limit.GetProperty("error").GetString());

        // Burst 2 spent by the two subscribes: a quick run of further subscribes is refused for its rate.
        await ws.UnsubscribeAsync(paths[0]);
        await ws.ReadFrameAsync("unsubscribed", paths[0]);
        for (var i = 0; i < 5; i++)
        {
            await ws.SubscribeAsync($"/o/R{i}/events");
        }

        await ws.ReadUntilAsync(f => f.Any(x => x.TryGetProperty("error", out var e) && e.GetString() == "rate_limited"), "a rate_limited error frame");
        Assert.Contains("gateway_subscriptions_refused_total{route=\"none\",reason=\"too_many_subscriptions\"} 1", await MuxGateway.MetricsAsync(gateway), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Negotiate_AnswersEachPath_AndTheTransportsEveryAcceptedRouteAllows()
    {
        await using var gateway = await StartAsync(MuxGateway.Config(maxSubscriptions: 3));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/_gateway/stream/negotiate")
        {
            Content = JsonContent.Create(new { subscriptions = new object[] { new { path = "/t/N1/events" }, new { path = "/s/N2/events", cursor = (string?)null }, new { path = "/users/bob/events" } } }),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", MuxGateway.Token("alice"));
        using var response = await gateway.PublicClient.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["sse"], body.GetProperty("transports").EnumerateArray().Select(t => t.GetString()));
        var results = body.GetProperty("subscriptions").EnumerateArray().ToList();
        Assert.Equal("ok", results[0].GetProperty("result").GetString());
        Assert.Matches("^[A-Za-z0-9]+-[0-9]+$", results[0].GetProperty("cursor").GetString());
        Assert.Equal("ok", results[1].GetProperty("result").GetString());
        Assert.Equal("forbidden", results[2].GetProperty("error").GetString());
        Assert.Equal(403, results[2].GetProperty("status").GetInt32());

        using var tooMany = await gateway.PublicClient.PostAsJsonAsync("/_gateway/stream/negotiate",
            new { subscriptions = Enumerable.Range(0, 4).Select(i => new { path = $"/t/N{i}/events" }) });
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Equal("too_many_subscriptions", (await tooMany.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());

        using var garbage = await gateway.PublicClient.PostAsync("/_gateway/stream/negotiate", new StringContent("{\"subscriptions\":"));
        Assert.Equal("invalid_json", (await garbage.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }
}
