using Gateway.IntegrationTests.Infrastructure;
using Gateway.IntegrationTests.Infrastructure.Intermediaries;

namespace Gateway.BrowserTests;

/// <summary>
/// The demo page behind intermediaries that break the better transports: it falls back to the best one that delivers,
/// and no event published meanwhile is lost. Ticks are published at 20 per second from before the page loads until after
/// it settled.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class DemoPageFallbackTests(NatsServerFixture nats, ChromiumFixture chromium, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(50);

    [Fact]
    public async Task DemoPage_ProxyRefusesWebSocketUpgrades_EndsOnSseWithoutMissingAnEvent()
    {
        await using var gateway = await DemoGateway.StartAsync(nats, output);
        await using var proxy = await UpgradeRefusingProxy.StartAsync(gateway.PublicUrl, UpgradeRefusal.Forbidden, output);

        var switches = await RunThroughAsync(gateway, proxy.Url, "sse");

        Assert.Contains(switches, s => s is { Kind: "fallback", Panel: "prices", From: "websocket", To: "sse", Reason: "refused" });
        Assert.True(proxy.RefusedUpgrades >= 1, "the proxy refused the page's WebSocket upgrades");
    }

    [Fact]
    public async Task DemoPage_ProxyBuffersEventStreams_EndsOnLongPollingWithoutMissingAnEvent()
    {
        // A corporate proxy of the worst kind: no WebSockets, and event streams held until they end.
        await using var gateway = await DemoGateway.StartAsync(nats, output);
        await using var buffering = await BufferingProxy.StartAsync(gateway.PublicUrl, output);
        await using var refusing = await UpgradeRefusingProxy.StartAsync(buffering.Url, UpgradeRefusal.Forbidden, output);

        var switches = await RunThroughAsync(gateway, refusing.Url, "longpolling");

        Assert.Contains(switches, s => s is { Kind: "fallback", Panel: "prices", From: "websocket", To: "sse", Reason: "refused" });
        Assert.Contains(switches, s => s is { Kind: "fallback", Panel: "prices", From: "sse", To: "longpolling", Reason: "buffered" });
        Assert.True(buffering.BufferedStreams >= 1, "the proxy held an event stream back");
    }

    /// <summary>
    /// Publishes ticks from before the page loads (through <paramref name="url"/>) until it is on <paramref name="expected"/>
    /// and has received a second of ticks there; then checks it got every tick from its negotiated cursor on.
    /// </summary>
    private async Task<IReadOnlyList<LoggedSwitch>> RunThroughAsync(DemoGateway gateway, string url, string expected)
    {
        using var cts = new CancellationTokenSource(Timeout * 3);
        await using var publisher = new TickPublisher(TickPublisher.NewTicker());
        publisher.Start(gateway.Instance.ManagementClient, TickInterval);
        await Eventually.TrueAsync(() => publisher.Published >= 5, Timeout, "ticks published before the page loads");

        await using var page = await DemoPageDriver.OpenAsync(chromium, $"{url}/?ticker={publisher.Ticker}", output);
        try
        {
            await page.WaitForTransportAsync("prices", expected, Timeout);
            var settled = (await page.EventIdsAsync("prices")).Count;
            await page.WaitForEventCountAsync("prices", settled + 20, Timeout);
            var last = await publisher.StopAsync();

            var stored = await SubjectHistory.ReadAsync(nats, publisher.Subject, cts.Token);
            Assert.Equal(last, stored[^1].Number);
            await page.WaitForLastSequenceAsync("prices", stored[^1].Sequence, Timeout);

            var states = await page.StatesAsync("prices");
            Assert.DoesNotContain(states, s => s is "backoff" or "reset" or "failed");
            DeliveryAssert.CompleteAfter(await page.EventIdsAsync("prices"), stored, await page.NegotiatedCursorAsync("prices"));
            Assert.Equal(expected, await page.TransportAsync("prices"));
            return await page.SwitchesAsync();
        }
        finally
        {
            await page.LogAsync();
        }
    }
}
