using System.Text.Json.Nodes;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.BrowserTests;

/// <summary>
/// A real Chromium page with ten subscriptions on three routes, through a relay that can cut its connections: the
/// browser client carries them all on one connection to <c>/_gateway/stream</c>, delivers every event of every
/// subscription in order, and resumes all of them after a cut with nothing lost and nothing twice, on whatever
/// transport the routes allow.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class MuxPageTests(NatsServerFixture nats, ChromiumFixture chromium, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("websocket,sse,longpolling,polling", "websocket")]
    [InlineData("sse,longpolling,polling", "sse")]
    [InlineData("longpolling,polling", "longpolling")]
    public async Task TenSubscriptionsOnThreeRoutes_OneConnection_EveryEventInOrder_ResumedAfterCut(string transports, string expected)
    {
        await using var gateway = await StartAsync(transports);
        await using var relay = new TcpCutter(gateway.PublicUrl);
        var run = Guid.NewGuid().ToString("N")[..8];
        var ids = Enumerable.Range(1, 10).Select(i => (route: "abc"[i % 3], id: $"{run}x{i}")).ToList();
        var paths = ids.Select(x => $"/{x.route}/{x.id}/events").ToList();
        var subjects = ids.Select(x => $"{x.route}.{x.id}").ToList();

        await using var page = await MuxPage.OpenAsync(chromium, relay.Url, paths, output);
        await page.WaitConnectedAsync(paths, expected);

        await Task.WhenAll(subjects.Select(s => MuxGatewayConfig.PublishAsync(gateway, s, 1, 5)));
        await page.WaitEventsAsync(paths, 5);
        if (expected != "longpolling")
        {
            Assert.Equal(1, await MuxGatewayConfig.GaugeAsync(gateway, "gateway_multiplexed_connections_active"));
        }

        relay.CutAll();
        await Task.WhenAll(subjects.Select(s => MuxGatewayConfig.PublishAsync(gateway, s, 6, 5)));
        await page.WaitEventsAsync(paths, 10);
        await page.WaitConnectedAsync(paths, expected);

        foreach (var path in paths)
        {
            Assert.Equal(Enumerable.Range(1, 10), await page.ReceivedAsync(path));
            Assert.DoesNotContain(await page.StatesAsync(path), s => s.StartsWith("fallback", StringComparison.Ordinal) || s.StartsWith("failed", StringComparison.Ordinal) || s.StartsWith("reset", StringComparison.Ordinal));
        }

        var streams = await page.StreamsAsync();
        Assert.Equal(1, streams.GetArrayLength());
        Assert.Equal(10, streams[0].GetProperty("paths").GetArrayLength());
        Assert.Equal(expected, streams[0].GetProperty("transport").GetString());
        // One reconnect after the cut (a long poll between polls may not notice it: Chromium retries an idle keep-alive connection).
        var connections = streams[0].GetProperty("connections").GetInt32();
        Assert.True(connections == 2 || (expected == "longpolling" && connections == 1), $"{connections} transport connections opened");
        Assert.True(relay.Cuts >= 1, "the relay cut the page's connections");
        Assert.True(page.MaxConnections <= 1, $"the page held {page.MaxConnections} push connections at once");
        Assert.True(page.MaxConnections == 1 || expected == "longpolling", "the page's push connection was seen");
        if (expected != "longpolling")
        {
            Assert.Equal(1, await MuxGatewayConfig.GaugeAsync(gateway, "gateway_multiplexed_connections_active"));
        }
    }

    [Theory]
    [InlineData("websocket,sse,longpolling,polling", "websocket")]
    [InlineData("sse,longpolling,polling", "sse")]
    public async Task RefusedSubscription_IsAnErrorForItsPathOnly_TheOthersKeepTheirConnection(string transports, string expected)
    {
        await using var gateway = await StartAsync(transports);
        var run = Guid.NewGuid().ToString("N")[..8];
        var alice = $"alice{run}";
        var paths = new List<string> { $"/a/{run}/events", $"/b/{run}/events", $"/users/{alice}/events" };
        var spec = new JsonObject { ["token"] = MuxGatewayConfig.Token(alice) };

        await using var page = await MuxPage.OpenAsync(chromium, gateway.PublicUrl, paths, output, spec);
        await page.WaitConnectedAsync(paths, expected);
        await PublishToAllAsync(gateway, run, alice, 1, 3);
        await page.WaitEventsAsync(paths, 3);

        // Another user's stream, added to the live connection: refused for its path, nothing else moves.
        var bob = $"/users/bob{run}/events";
        await page.Page.EvaluateAsync("p => window.mux.open(p)", bob);
        await page.WaitAsync("p => window.mux.subs[p].state === 'failed'", bob, "the refused subscription to fail");
        Assert.Contains("failed:forbidden", await page.StatesAsync(bob));

        await PublishToAllAsync(gateway, run, alice, 4, 3);
        await page.WaitEventsAsync(paths, 6);
        foreach (var path in paths)
        {
            Assert.Equal(Enumerable.Range(1, 6), await page.ReceivedAsync(path));
        }

        // WebSocket subscribes on the open connection; SSE reopens once with the new set (and not again when it is refused).
        var streams = await page.StreamsAsync();
        Assert.Equal(expected == "websocket" ? 1 : 2, streams[0].GetProperty("connections").GetInt32());
        Assert.Equal(expected == "websocket" ? 1 : 0, page.SocketsOpened);
    }

    private static async Task PublishToAllAsync(GatewayInstance gateway, string run, string user, int from, int count) =>
        await Task.WhenAll(
            MuxGatewayConfig.PublishAsync(gateway, $"a.{run}", from, count),
            MuxGatewayConfig.PublishAsync(gateway, $"b.{run}", from, count),
            MuxGatewayConfig.PublishAsync(gateway, $"users.{user}", from, count));

    private async Task<GatewayInstance> StartAsync(string transports)
    {
        var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, MuxGatewayConfig.Json(transports), output));
        await Eventually.TrueAsync(async () => (await gateway.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, Timeout, "the gateway to be ready");
        return gateway;
    }
}
