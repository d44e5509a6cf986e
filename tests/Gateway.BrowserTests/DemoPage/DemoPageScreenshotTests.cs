using System.Text.Json.Nodes;
using Gateway.IntegrationTests.Infrastructure;
using Microsoft.Playwright;

namespace Gateway.BrowserTests;

/// <summary>
/// Leaves a picture of the demo page at work in <c>.artifacts/demo.png</c>: prices moving over WebSocket, the order panel
/// forced onto long polling and updated by a push, and a second page's cursor arriving over WebSocket upstream.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class DemoPageScreenshotTests(NatsServerFixture nats, ChromiumFixture chromium, ITestOutputHelper output)
{
    private const int Ticks = 40;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task DemoPage_LiveOnEveryPanel_ScreenshotSavedAsArtifact()
    {
        using var cts = new CancellationTokenSource(Timeout * 3);
        await using var gateway = await DemoGateway.StartAsync(nats, output);
        await using var publisher = new TickPublisher("AAPL");
        await using var page = await DemoPageDriver.OpenAsync(chromium, $"{gateway.PublicUrl}/", output);
        await using var peer = await DemoPageDriver.OpenAsync(chromium, $"{gateway.PublicUrl}/?ticker=MSFT", output, "peer");
        try
        {
            foreach (var panel in new[] { "prices", "orders", "cursors" })
            {
                await page.WaitForTransportAsync(panel, "websocket", Timeout);
            }

            await page.Page.EvaluateAsync("() => window.gatewayDemo.force('orders', 'longpolling')");
            await page.WaitForTransportAsync("orders", "longpolling", Timeout);
            await peer.WaitForTransportAsync("cursors", "websocket", Timeout);

            // An order update pushed by its backend.
            var shipped = DemoGateway.Order.DeepClone().AsObject();
            shipped["status"] = "shipped";
            shipped["version"] = 4;
            shipped["updatedAt"] = DateTimeOffset.UtcNow.ToString("O");
            await PublishAsync(gateway, "orders.1", "order.updated", shipped, cts.Token);

            // Ticks, a few at a time so the page renders between them.
            for (var i = 0; i < Ticks; i += 4)
            {
                await publisher.PublishAsync(gateway.Instance.ManagementClient, 4, cts.Token);
                await page.WaitForEventCountAsync("prices", i + 4, Timeout);
            }

            // The peer moves its mouse over the shared board; its moves go upstream over its WebSocket.
            var board = await peer.Page.QuerySelectorAsync("#cursors [data-board]") ?? throw new InvalidOperationException("no board");
            var box = await board.BoundingBoxAsync() ?? throw new InvalidOperationException("the board is not visible");
            await peer.Page.Mouse.MoveAsync(box.X + 20, box.Y + 20);
            await peer.Page.Mouse.MoveAsync(box.X + (box.Width * 0.62f), box.Y + (box.Height * 0.55f), new MouseMoveOptions { Steps = 8 });
            var peerName = await peer.Page.EvaluateAsync<string>("() => window.gatewayDemo.me");
            await page.WaitForAsync("u => document.querySelector(`#cursors .peer[data-user='${u}']`) !== null", peerName, Timeout, "the peer's cursor on the board");
            await page.WaitForAsync("() => document.querySelector('#orders [data-order] .status')?.dataset.status === 'shipped'", null, Timeout, "the pushed order status");
            await page.WaitForAsync("() => document.querySelector('#cursors [data-upstream]') !== null", null, Timeout, "the cursors panel");

            // Let the order highlight and the peer's cursor transition finish before the picture.
            // (Infinite ones, such as the pulse of a connecting badge, are not waited for.)
            await page.WaitForAsync(
                "() => document.getAnimations().every(a => a.playState !== 'running' || a.effect?.getComputedTiming().endTime === Infinity)",
                null,
                Timeout,
                "animations to finish");

            var path = Artifacts.PathFor("demo.png");
            File.Delete(path);
            await page.Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
            output.WriteLine($"screenshot: {path}");

            var file = new FileInfo(path);
            Assert.True(file.Exists, $"{path} exists");
            Assert.True(file.Length > 10_000, $"{path} holds a picture ({file.Length} bytes)");
            Assert.Equal(TickPublisher.PriceOf(Ticks).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), await page.Page.TextContentAsync("#prices [data-price]"));
        }
        finally
        {
            await page.LogAsync();
        }
    }

    private static async Task PublishAsync(DemoGateway gateway, string subject, string eventType, JsonNode payload, CancellationToken cancellationToken)
    {
        using var content = new StringContent(payload.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"publish/{subject}") { Content = content };
        request.Headers.Add("Gw-Event", eventType);
        using var response = await gateway.Instance.ManagementClient.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
    }
}
