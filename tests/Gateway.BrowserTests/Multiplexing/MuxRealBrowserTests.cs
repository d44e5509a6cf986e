using System.Text.Json.Nodes;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.BrowserTests;

/// <summary>
/// The shared stream in a real browser's conditions: a laptop that sleeps (a clock jump: timers fire hours late), a page
/// hidden for a while and shown again, a network that goes away and comes back. The client resumes every subscription
/// by cursor without loss, without duplicates and without falling back. The page's back-off is made long (54 s) so that
/// only the client's own reaction to <c>online</c> and visibility can make it reconnect within the test's wait.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class MuxRealBrowserTests(NatsServerFixture nats, ChromiumFixture chromium, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static JsonObject LongBackoff() => new() { ["backoff"] = new JsonObject { ["baseMs"] = 60000, ["maxMs"] = 60000 }, ["random"] = 0.9 };

    [Fact]
    public async Task ClockJumpsTwoHours_LiveWebSocketIsCheckedNotDropped_NothingLost()
    {
        await using var gateway = await StartAsync("websocket,sse,longpolling,polling");
        var (paths, subjects) = Paths();
        await using var page = await MuxPage.OpenAsync(chromium, gateway.PublicUrl, paths, output, beforeLoad: c => c.Clock.InstallAsync());
        await page.WaitConnectedAsync(paths, "websocket");
        await PublishAsync(gateway, subjects, 1, 3);
        await page.WaitEventsAsync(paths, 3);

        // A laptop lid closed for two hours: every timer that came due fires at once, long after it was meant to.
        await page.Page.Clock.FastForwardAsync("02:00:00");
        await PublishAsync(gateway, subjects, 4, 3);
        await page.WaitEventsAsync(paths, 6);

        await AssertCompleteAsync(page, paths, 6, "websocket");
        var streams = await page.StreamsAsync();
        Assert.Equal(1, streams[0].GetProperty("connections").GetInt32());
        Assert.Equal(1, page.SocketsOpened);
    }

    [Theory]
    [InlineData("websocket,sse,longpolling,polling", "websocket")]
    [InlineData("sse,longpolling,polling", "sse")]
    public async Task OfflineWhileTheConnectionIsCut_OnlineReconnectsAtOnce_NothingLost(string transports, string expected)
    {
        await using var gateway = await StartAsync(transports);
        await using var relay = new TcpCutter(gateway.PublicUrl);
        var (paths, subjects) = Paths();
        await using var page = await MuxPage.OpenAsync(chromium, relay.Url, paths, output, LongBackoff());
        await page.WaitConnectedAsync(paths, expected);
        await PublishAsync(gateway, subjects, 1, 2);
        await page.WaitEventsAsync(paths, 2);

        await page.Page.Context.SetOfflineAsync(true);
        relay.CutAll();
        await WaitBackoffAsync(page, paths);
        await PublishAsync(gateway, subjects, 3, 2);

        await page.Page.Context.SetOfflineAsync(false);
        await page.WaitAsync("([paths]) => paths.every(p => window.mux.got[p].length >= 4)", new object[] { paths.ToArray() }, "every event after online", timeoutMs: 15_000);
        await AssertCompleteAsync(page, paths, 4, expected);
    }

    [Fact]
    public async Task HiddenWhileTheConnectionIsCut_VisibleAgainReconnectsAtOnce_NothingLost()
    {
        await using var gateway = await StartAsync("websocket,sse,longpolling,polling");
        await using var relay = new TcpCutter(gateway.PublicUrl);
        var (paths, subjects) = Paths();
        await using var page = await MuxPage.OpenAsync(chromium, relay.Url, paths, output, LongBackoff());
        await page.WaitConnectedAsync(paths, "websocket");
        await PublishAsync(gateway, subjects, 1, 2);
        await page.WaitEventsAsync(paths, 2);

        // Headless Chromium is always visible: the page's visibility is emulated (as a tab switch reports it).
        await page.Page.EvaluateAsync("""
            () => {
              window.__visibility = 'hidden';
              window.__hiddenAt = Date.now();
              Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => window.__visibility });
              Object.defineProperty(document, 'hidden', { configurable: true, get: () => window.__visibility === 'hidden' });
              document.dispatchEvent(new Event('visibilitychange'));
            }
            """);
        relay.CutAll();
        await WaitBackoffAsync(page, paths);
        await PublishAsync(gateway, subjects, 3, 2);

        // Hidden longer than two heartbeats and a second (3 s here): long enough that the connection may have died unseen.
        await page.WaitAsync("() => Date.now() - window.__hiddenAt > 3500", null, "the page to be hidden a while");
        await page.Page.EvaluateAsync("() => { window.__visibility = 'visible'; document.dispatchEvent(new Event('visibilitychange')); }");
        await page.WaitAsync("([paths]) => paths.every(p => window.mux.got[p].length >= 4)", new object[] { paths.ToArray() }, "every event after the page is visible", timeoutMs: 15_000);
        await AssertCompleteAsync(page, paths, 4, "websocket");
    }

    private static (List<string> Paths, List<string> Subjects) Paths()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        return (["/a/" + run + "/events", "/b/" + run + "/events", "/c/" + run + "/events"], ["a." + run, "b." + run, "c." + run]);
    }

    private static Task PublishAsync(GatewayInstance gateway, List<string> subjects, int from, int count) =>
        Task.WhenAll(subjects.Select(s => MuxGatewayConfig.PublishAsync(gateway, s, from, count)));

    /// <summary>Waits until every subscription is backing off (the long back-off of <see cref="LongBackoff"/>).</summary>
    private static Task WaitBackoffAsync(MuxPage page, List<string> paths) => page.WaitAsync(
        "([paths]) => paths.every(p => window.mux.subs[p].state === 'backoff')", new object[] { paths.ToArray() }, "the cut connection to back off");

    private static async Task AssertCompleteAsync(MuxPage page, List<string> paths, int count, string transport)
    {
        await page.WaitConnectedAsync(paths, transport);
        foreach (var path in paths)
        {
            Assert.Equal(Enumerable.Range(1, count), await page.ReceivedAsync(path));
            Assert.DoesNotContain(await page.StatesAsync(path), s => s.StartsWith("fallback", StringComparison.Ordinal) || s.StartsWith("failed", StringComparison.Ordinal) || s.StartsWith("reset", StringComparison.Ordinal));
        }

        Assert.True(page.MaxConnections <= 1, $"the page held {page.MaxConnections} push connections at once");
    }

    private async Task<GatewayInstance> StartAsync(string transports)
    {
        var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, MuxGatewayConfig.Json(transports), output));
        await Eventually.TrueAsync(async () => (await gateway.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, Timeout, "the gateway to be ready");
        return gateway;
    }
}
