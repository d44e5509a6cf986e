using System.Text.Json;
using EdgeGateway.Client;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Clients;

/// <summary>The .NET client sends upstream over the WebSocket when it has one and over HTTP otherwise, and stops on a final refusal.</summary>
[Collection(NatsCollection.Name)]
public sealed class DotnetClientUpstreamTests(NatsServerFixture nats, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = ClientTestGateway.Timeout;

    [Theory]
    [InlineData(GatewayTransport.WebSocket)]
    [InlineData(GatewayTransport.Sse)]
    [InlineData(GatewayTransport.LongPolling)]
    public async Task Send_OnEachTransport_IsPublishedUpstreamAndComesBackAsEvent(GatewayTransport transport)
    {
        await using var gateway = await ClientTestGateway.StartAsync(ClientTestGateway.Options(nats, output));
        var room = ClientTestGateway.NewKey();
        var recorder = new SubscriptionRecorder(output);
        using var client = new GatewayClient(new Uri(gateway.PublicUrl));
        await using var subscription = client.Connect($"/rooms/{room}/events", new SubscribeOptions { Transports = [transport], OnState = recorder.OnState });
        var pump = recorder.PumpAsync(subscription);
        await Eventually.TrueAsync(() => subscription.Transport == transport, Timeout, $"the client to connect over {transport}");

        using var message = JsonDocument.Parse("""{"text":"hello","n":1}""");
        using (var cts = new CancellationTokenSource(Timeout))
        {
            await subscription.SendAsync(message.RootElement, "chat", cts.Token);
        }

        await Eventually.TrueAsync(() => recorder.Count >= 1, Timeout, "the message to come back as an event");
        var e = Assert.Single(recorder.Events);
        Assert.Equal("chat", e.Event);
        Assert.Equal("hello", e.Data.GetProperty("text").GetString());
        await subscription.DisposeAsync();
        await pump.WaitAsync(Timeout);
    }

    [Fact]
    public async Task Send_RouteWithoutUpstream_ThrowsGatewayException()
    {
        await using var gateway = await ClientTestGateway.StartAsync(ClientTestGateway.Options(nats, output));
        using var client = new GatewayClient(new Uri(gateway.PublicUrl));
        await using var subscription = client.Connect($"/prices/{ClientTestGateway.NewKey()}/events");
        await Eventually.TrueAsync(() => subscription.Transport == GatewayTransport.WebSocket, Timeout, "the client to connect over WebSocket");

        using var cts = new CancellationTokenSource(Timeout);
        var error = await Assert.ThrowsAsync<GatewayException>(() => subscription.SendAsync(JsonSerializer.SerializeToElement(1), cancellationToken: cts.Token));

        Assert.Equal("upstream_not_allowed", error.Error);
    }

    [Fact]
    public async Task Subscribe_InvalidRouteValue_FailsWithoutRetrying()
    {
        await using var gateway = await ClientTestGateway.StartAsync(ClientTestGateway.Options(nats, output));
        var recorder = new SubscriptionRecorder(output);
        using var client = new GatewayClient(new Uri(gateway.PublicUrl));
        using var cts = new CancellationTokenSource(Timeout);

        var error = await Assert.ThrowsAsync<GatewayException>(async () =>
        {
            await foreach (var _ in client.SubscribeAsync("/prices/bad.value/events", new SubscribeOptions { OnState = recorder.OnState }, cts.Token))
            {
            }
        });

        Assert.Equal("invalid_route_value", error.Error);
        Assert.Equal(400, error.StatusCode);
        Assert.Equal(GatewayState.Failed, recorder.States[^1].State);
        Assert.DoesNotContain(recorder.States, s => s.State == GatewayState.BackingOff);
    }
}
