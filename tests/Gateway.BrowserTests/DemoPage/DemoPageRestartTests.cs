using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.BrowserTests;

/// <summary>The demo page outlives a gateway restart: it reconnects and resumes by cursor, and what was published meanwhile arrives.</summary>
[Collection(BrowserCollection.Name)]
public sealed class DemoPageRestartTests(NatsServerFixture nats, ChromiumFixture chromium, ITestOutputHelper output)
{
    private const int Batch = 10;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task DemoPage_GatewayRestartsOnTheSamePorts_ReconnectsAndGetsEveryEventPublishedWhileItWasDown()
    {
        using var cts = new CancellationTokenSource(Timeout * 3);
        await using var gateway = await DemoGateway.StartAsync(nats, output);
        await using var publisher = new TickPublisher(TickPublisher.NewTicker());
        await using var page = await DemoPageDriver.OpenAsync(chromium, $"{gateway.PublicUrl}/?ticker={publisher.Ticker}", output);
        try
        {
            await page.WaitForTransportAsync("prices", "websocket", Timeout);
            var negotiated = await page.NegotiatedCursorAsync("prices");
            await publisher.PublishAsync(gateway.Instance.ManagementClient, Batch, cts.Token);
            await page.WaitForEventCountAsync("prices", Batch, Timeout);

            // A deploy: the instance drains and exits; a backend keeps publishing to JetStream while none runs.
            await gateway.StopAsync();
            await page.WaitForAsync("() => window.gatewayDemo.subscriptions.prices.transport === null", null, Timeout, "the page to notice the gateway left");

            // Down long enough for the page to find nobody there (a failed negotiation and a back-off), not just the drain advice.
            await page.WaitForAsync(
                "() => window.gatewayDemo.states.prices.some(s => s.state === 'backoff' && s.reason === 'error')", null, Timeout, "a failed reconnect attempt");
            await using (var connection = await nats.ConnectAsync(cancellationToken: cts.Token))
            {
                await publisher.PublishThroughNatsAsync(connection, Batch, cts.Token);
            }

            Assert.Equal(Batch, (await page.EventIdsAsync("prices")).Count);

            await gateway.StartAgainAsync();
            await publisher.PublishAsync(gateway.Instance.ManagementClient, Batch, cts.Token);
            var stored = await SubjectHistory.ReadAsync(nats, publisher.Subject, cts.Token);
            Assert.Equal(Enumerable.Range(1, 3 * Batch), stored.Select(t => t.Number));
            await page.WaitForLastSequenceAsync("prices", stored[^1].Sequence, Timeout);

            DeliveryAssert.CompleteAfter(await page.EventIdsAsync("prices"), stored, negotiated);
            var states = await page.StatesAsync("prices");
            Assert.True(states.Count(s => s == "connected") >= 2, $"the page reconnected: {string.Join(" → ", states)}");
            Assert.DoesNotContain(states, s => s is "reset" or "failed");
            output.WriteLine($"after the restart the prices panel is on {await page.TransportAsync("prices")}");
        }
        finally
        {
            await page.LogAsync();
        }
    }
}
