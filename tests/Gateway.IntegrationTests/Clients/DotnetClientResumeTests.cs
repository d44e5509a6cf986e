using EdgeGateway.Client;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Clients;

/// <summary>The .NET client resumes by cursor: across a gateway restart on every transport, and from a cursor the gateway cannot serve.</summary>
[Collection(NatsCollection.Name)]
public sealed class DotnetClientResumeTests(NatsServerFixture nats, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = ClientTestGateway.Timeout;

    [Theory]
    [InlineData(GatewayTransport.WebSocket)]
    [InlineData(GatewayTransport.Sse)]
    [InlineData(GatewayTransport.LongPolling)]
    [InlineData(GatewayTransport.Polling)]
    public async Task Subscribe_GatewayRestartsMidStream_ResumesByCursorWithoutLosingEvents(GatewayTransport transport)
    {
        var options = ClientTestGateway.Options(nats, output, FreePort.Next(), FreePort.Next());
        var gateway = await ClientTestGateway.StartAsync(options);
        try
        {
            var key = ClientTestGateway.NewKey();
            await using var connection = await nats.ConnectAsync();
            await using var publisher = new SequencePublisher(connection, $"prices.{key}");
            publisher.Start(TimeSpan.FromMilliseconds(100));

            var recorder = new SubscriptionRecorder(output, publisher);
            using var client = new GatewayClient(new Uri(gateway.PublicUrl));
            var subscribe = new SubscribeOptions
            {
                Transports = [transport],
                OnState = recorder.OnState,
                Backoff = new BackoffOptions { BaseDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromSeconds(1) },
            };
            await using var subscription = client.Connect($"/prices/{key}/events", subscribe);
            var pump = recorder.PumpAsync(subscription);
            await Eventually.TrueAsync(() => subscription.Transport == transport && recorder.Count >= 10, Timeout, $"10 events over {transport}");

            // A graceful stop (drain) as on a deploy; the publisher keeps publishing to JetStream meanwhile.
            await gateway.StopAsync(TimeSpan.FromSeconds(10));
            await gateway.DisposeAsync();
            var publishedAtStop = publisher.Published;
            await Eventually.TrueAsync(() => subscription.Transport is null, Timeout, "the client to notice the gateway left");
            await Eventually.TrueAsync(() => publisher.Published >= publishedAtStop + 5, Timeout, "events published while no gateway runs");

            gateway = await ClientTestGateway.StartAsync(options);
            var publishedAtRestart = publisher.Published;
            await Eventually.TrueAsync(
                () => subscription.Transport == transport && recorder.Numbers is { Count: > 0 } n && n[^1] >= publishedAtRestart,
                Timeout,
                $"the client to resume over {transport} and catch up with event {publishedAtRestart}");
            var last = await publisher.StopAsync();
            await Eventually.TrueAsync(() => recorder.Numbers is { Count: > 0 } n && n[^1] >= last, Timeout, $"every event up to {last}");

            SequenceAssert.Complete(recorder, mustStartBy: recorder.FirstRequired, last);
            Assert.True(recorder.States.Count(s => s.State == GatewayState.Connected) >= 2, $"the client reconnected. States:{Environment.NewLine}{recorder.Describe()}");
            Assert.DoesNotContain(recorder.States, s => s.State is GatewayState.FellBack or GatewayState.Reset or GatewayState.Failed);
            await subscription.DisposeAsync();
            await pump.WaitAsync(Timeout);
        }
        finally
        {
            await gateway.DisposeAsync();
        }
    }

    [Fact]
    public async Task Subscribe_CursorFromAnotherEpoch_ReportsResetAndContinuesFromNow()
    {
        await using var gateway = await ClientTestGateway.StartAsync(ClientTestGateway.Options(nats, output));
        var key = ClientTestGateway.NewKey();
        await using var connection = await nats.ConnectAsync();
        await using var publisher = new SequencePublisher(connection, $"prices.{key}");
        var resets = new List<GatewayReset>();
        var recorder = new SubscriptionRecorder(output);
        using var client = new GatewayClient(new Uri(gateway.PublicUrl));
        var options = new SubscribeOptions { Cursor = "x0stale-42", OnState = recorder.OnState, OnReset = r => { lock (resets) { resets.Add(r); } } };

        await using var subscription = client.Connect($"/prices/{key}/events", options);
        var pump = recorder.PumpAsync(subscription);
        await Eventually.TrueAsync(() => subscription.State == GatewayState.Reset || recorder.States.Any(s => s.State == GatewayState.Reset), Timeout, "the reset");
        await publisher.PublishAsync(3, CancellationToken.None);
        await Eventually.TrueAsync(() => recorder.Count >= 3, Timeout, "3 events after the reset");

        Assert.Equal([1, 2, 3], recorder.Numbers);
        var reset = Assert.Single(resets);
        Assert.Equal("x0stale-42", reset.StaleCursor);
        Assert.NotEqual("x0stale-42", reset.Cursor);
        await subscription.DisposeAsync();
        await pump.WaitAsync(Timeout);
    }
}
