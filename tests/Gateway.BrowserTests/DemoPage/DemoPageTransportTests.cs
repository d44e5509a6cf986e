using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.BrowserTests;

/// <summary>The demo page receives live events over each transport when the routes allow only that one.</summary>
[Collection(BrowserCollection.Name)]
public sealed class DemoPageTransportTests(NatsServerFixture nats, ChromiumFixture chromium, ITestOutputHelper output)
{
    private const int Count = 25;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData("websocket")]
    [InlineData("sse")]
    [InlineData("longpolling")]
    [InlineData("polling")]
    public async Task DemoPage_RoutesAllowOneTransport_PricesPanelGetsEveryEventInOrderOverIt(string transport)
    {
        using var cts = new CancellationTokenSource(Timeout * 3);
        await using var gateway = await DemoGateway.StartAsync(nats, output, transports: transport);
        await using var publisher = new TickPublisher(TickPublisher.NewTicker());
        await using var page = await DemoPageDriver.OpenAsync(chromium, $"{gateway.PublicUrl}/?ticker={publisher.Ticker}", output);
        try
        {
            await page.WaitForTransportAsync("prices", transport, Timeout);
            var negotiated = await page.NegotiatedCursorAsync("prices");

            await publisher.PublishAsync(gateway.Instance.ManagementClient, Count, cts.Token);
            var stored = await SubjectHistory.ReadAsync(nats, publisher.Subject, cts.Token);
            Assert.Equal(Enumerable.Range(1, Count), stored.Select(t => t.Number));
            await page.WaitForLastSequenceAsync("prices", stored[^1].Sequence, Timeout);

            DeliveryAssert.CompleteAfter(await page.EventIdsAsync("prices"), stored, negotiated);
            Assert.Equal(transport, await page.TransportAsync("prices"));
            Assert.Equal(TickPublisher.PriceOf(Count).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), await page.Page.TextContentAsync("#prices [data-price]"));
            Assert.DoesNotContain(await page.StatesAsync("prices"), s => s is "fallback" or "backoff" or "reset" or "failed");

            // The three panels are one push connection, and the header says so.
            await page.WaitForAsync("() => ['prices', 'orders', 'cursors'].every(p => window.gatewayDemo.subscriptions[p].transport !== null)", null, Timeout, "every panel to connect");
            await page.WaitForAsync("() => document.querySelector('[data-connections]').dataset.count === '1'", null, Timeout, "the header to show one push connection");
            Assert.Equal(1, await page.Page.EvaluateAsync<int>("() => window.gatewayDemo.connections.length"));
            Assert.Equal(3, await page.Page.EvaluateAsync<int>("() => window.gatewayDemo.connections[0].paths.length"));
        }
        finally
        {
            await page.LogAsync();
        }
    }
}
