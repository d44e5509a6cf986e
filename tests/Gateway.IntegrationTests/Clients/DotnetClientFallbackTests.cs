using EdgeGateway.Client;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.IntegrationTests.Infrastructure.Intermediaries;

namespace Gateway.IntegrationTests.Clients;

/// <summary>
/// The .NET client against a real gateway and real intermediaries: it takes the best transport the network allows,
/// notices one that connects but does not deliver, falls back, reports why, and loses nothing on the way.
/// </summary>
[Collection(NatsCollection.Name)]
public sealed class DotnetClientFallbackTests(NatsServerFixture nats, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = ClientTestGateway.Timeout;
    private static readonly TimeSpan PublishInterval = TimeSpan.FromMilliseconds(50);

    [Fact]
    public async Task Subscribe_DirectToGateway_UsesWebSocketAndReceivesEventsInOrder()
    {
        await using var gateway = await ClientTestGateway.StartAsync(ClientTestGateway.Options(nats, output));
        var key = ClientTestGateway.NewKey();
        await using var connection = await nats.ConnectAsync();
        await using var publisher = new SequencePublisher(connection, $"prices.{key}");
        using var client = new GatewayClient(new Uri(gateway.PublicUrl));
        var recorder = new SubscriptionRecorder(output);

        await using (var subscription = client.Connect($"/prices/{key}/events", new SubscribeOptions { OnState = recorder.OnState }))
        {
            var pump = recorder.PumpAsync(subscription);
            await Eventually.TrueAsync(() => subscription.Transport == GatewayTransport.WebSocket, Timeout, "the client to connect over WebSocket");

            await publisher.PublishAsync(25, CancellationToken.None);
            await Eventually.TrueAsync(() => recorder.Count >= 25, Timeout, "25 events to arrive");

            Assert.Equal(Enumerable.Range(1, 25), recorder.Numbers);
            Assert.Equal(recorder.Events[^1].Id, subscription.Cursor);
            Assert.Equal(GatewayTransport.WebSocket, subscription.Transport);
            Assert.DoesNotContain(recorder.States, s => s.State is GatewayState.FellBack or GatewayState.BackingOff or GatewayState.Failed);
            await subscription.DisposeAsync();
            await pump.WaitAsync(Timeout);
        }

        Assert.Equal(GatewayState.Closed, recorder.States[^1].State);
    }

    /// <param name="handshakes">How many WebSocket handshakes the client makes: one opened and died at once may be the
    /// gateway restarting, so it is retried once before the client falls back.</param>
    [Theory]
    [InlineData(UpgradeRefusal.Forbidden, GatewayFallbackReason.Refused, "refused", 1)]
    [InlineData(UpgradeRefusal.Drop, GatewayFallbackReason.Error, "error", 1)]
    [InlineData(UpgradeRefusal.AcceptThenClose, GatewayFallbackReason.NoDelivery, "no_delivery", 2)]
    public async Task Subscribe_ProxyRefusesWebSocket_FallsBackToSseWithoutLosingEvents(
        UpgradeRefusal refusal, GatewayFallbackReason reason, string reasonLabel, int handshakes)
    {
        await using var gateway = await ClientTestGateway.StartAsync(ClientTestGateway.Options(nats, output));
        await using var proxy = await UpgradeRefusingProxy.StartAsync(gateway.PublicUrl, refusal, output);
        var key = ClientTestGateway.NewKey();
        var path = $"/prices/{key}/events";
        await using var connection = await nats.ConnectAsync();
        await using var publisher = new SequencePublisher(connection, $"prices.{key}");

        // Events 1..5 exist before the client does; it resumes from the cursor before them, across the fallback.
        var cursor = await ClientTestGateway.NegotiateCursorAsync(gateway, path);
        await publisher.PublishAsync(5, CancellationToken.None);
        publisher.Start(PublishInterval);

        using var client = new GatewayClient(new Uri(proxy.Url));
        var recorder = new SubscriptionRecorder(output);
        await using (var subscription = client.Connect(path, new SubscribeOptions { Cursor = cursor, OnState = recorder.OnState, ConnectTimeout = TimeSpan.FromSeconds(5) }))
        {
            var pump = recorder.PumpAsync(subscription);
            await Eventually.TrueAsync(() => subscription.Transport == GatewayTransport.Sse && recorder.Count >= 30, Timeout, "30 events over SSE");
            var last = await publisher.StopAsync();
            await Eventually.TrueAsync(() => recorder.Numbers is { Count: > 0 } n && n[^1] >= last, Timeout, $"every event up to {last}");

            SequenceAssert.Complete(recorder, mustStartBy: 1, last);
            SequenceAssert.FellBack(recorder, GatewayTransport.WebSocket, GatewayTransport.Sse, reason);
            Assert.Equal(GatewayTransport.Sse, subscription.Transport);
            Assert.Equal(handshakes, proxy.RefusedUpgrades);
            Assert.Equal(1, await ClientTestGateway.FallbacksAsync(gateway, "prices", "websocket", "sse", reasonLabel));
            await subscription.DisposeAsync();
            await pump.WaitAsync(Timeout);
        }
    }

    /// <param name="bufferingNextToClient">
    /// True: client -> buffering -> refusing -> gateway; the client's own hop buffers, so it gets the headers and then
    /// silence (<c>buffered</c>). False: client -> refusing -> buffering -> gateway; the outer proxy sends no headers until
    /// the first body byte, which never comes (<c>timeout</c>).
    /// </param>
    [Theory]
    [InlineData(true, GatewayFallbackReason.Buffered)]
    [InlineData(false, GatewayFallbackReason.Timeout)]
    public async Task Subscribe_ProxyBuffersEventStream_FallsBackToLongPollingWithoutLosingEvents(bool bufferingNextToClient, GatewayFallbackReason reason)
    {
        await using var gateway = await ClientTestGateway.StartAsync(ClientTestGateway.Options(nats, output));
        BufferingProxy? buffering = null;
        IIntermediary inner = bufferingNextToClient
            ? await UpgradeRefusingProxy.StartAsync(gateway.PublicUrl, UpgradeRefusal.Forbidden, output)
            : buffering = await BufferingProxy.StartAsync(gateway.PublicUrl, output);
        await using var innerScope = inner;
        IIntermediary outer = bufferingNextToClient
            ? buffering = await BufferingProxy.StartAsync(inner.Url, output)
            : await UpgradeRefusingProxy.StartAsync(inner.Url, UpgradeRefusal.Forbidden, output);
        await using var outerScope = outer;
        var key = ClientTestGateway.NewKey();
        await using var connection = await nats.ConnectAsync();
        await using var publisher = new SequencePublisher(connection, $"prices.{key}");
        publisher.Start(PublishInterval);

        // Every event published after the client first negotiates must arrive, those published while it probes included.
        var recorder = new SubscriptionRecorder(output, publisher);
        using var client = new GatewayClient(new Uri(outer.Url));
        var options = new SubscribeOptions { OnState = recorder.OnState, SseProbeTimeout = TimeSpan.FromSeconds(1), ConnectTimeout = TimeSpan.FromSeconds(5) };
        await using (var subscription = client.Connect($"/prices/{key}/events", options))
        {
            var pump = recorder.PumpAsync(subscription);
            await Eventually.TrueAsync(() => subscription.Transport == GatewayTransport.LongPolling && recorder.Count >= 30, Timeout, "30 events over long polling");
            var last = await publisher.StopAsync();
            await Eventually.TrueAsync(() => recorder.Numbers is { Count: > 0 } n && n[^1] >= last, Timeout, $"every event up to {last}");

            SequenceAssert.Complete(recorder, mustStartBy: recorder.FirstRequired, last);
            SequenceAssert.FellBack(recorder, GatewayTransport.WebSocket, GatewayTransport.Sse, GatewayFallbackReason.Refused);
            SequenceAssert.FellBack(recorder, GatewayTransport.Sse, GatewayTransport.LongPolling, reason);
            Assert.Equal(GatewayTransport.LongPolling, subscription.Transport);
            Assert.True(buffering!.BufferedStreams >= 1, "the buffering proxy held an event stream");
            await subscription.DisposeAsync();
            await pump.WaitAsync(Timeout);
        }
    }

    [Fact]
    public async Task ForceFallback_OnWebSocket_MovesToSseReportsForcedAndLosesNothing()
    {
        await using var gateway = await ClientTestGateway.StartAsync(ClientTestGateway.Options(nats, output));
        var key = ClientTestGateway.NewKey();
        await using var connection = await nats.ConnectAsync();
        await using var publisher = new SequencePublisher(connection, $"prices.{key}");
        publisher.Start(PublishInterval);
        var recorder = new SubscriptionRecorder(output, publisher);
        using var client = new GatewayClient(new Uri(gateway.PublicUrl));

        await using (var subscription = client.Connect($"/prices/{key}/events", new SubscribeOptions { OnState = recorder.OnState }))
        {
            var pump = recorder.PumpAsync(subscription);
            await Eventually.TrueAsync(() => subscription.Transport == GatewayTransport.WebSocket && recorder.Count >= 10, Timeout, "10 events over WebSocket");

            subscription.ForceFallback();
            await Eventually.TrueAsync(() => subscription.Transport == GatewayTransport.Sse, Timeout, "the client to move to SSE");
            var atSwitch = publisher.Published;
            await Eventually.TrueAsync(() => recorder.Numbers is { Count: > 0 } n && n[^1] >= atSwitch + 10, Timeout, "10 more events over SSE");
            var last = await publisher.StopAsync();
            await Eventually.TrueAsync(() => recorder.Numbers is { Count: > 0 } n && n[^1] >= last, Timeout, $"every event up to {last}");

            SequenceAssert.Complete(recorder, mustStartBy: recorder.FirstRequired, last);
            SequenceAssert.FellBack(recorder, GatewayTransport.WebSocket, GatewayTransport.Sse, GatewayFallbackReason.Forced);
            Assert.Equal(1, await ClientTestGateway.FallbacksAsync(gateway, "prices", "websocket", "sse", "forced"));
            await subscription.DisposeAsync();
            await pump.WaitAsync(Timeout);
        }
    }

    [Fact]
    public async Task Fallbacks_ReportedOnTheNextRequest_AreCountedOnceInGatewayMetric()
    {
        await using var gateway = await ClientTestGateway.StartAsync(ClientTestGateway.Options(nats, output));
        // client -> buffering -> refusing -> gateway: the client's own hop buffers, so it sees headers and then silence.
        await using var refusing = await UpgradeRefusingProxy.StartAsync(gateway.PublicUrl, UpgradeRefusal.Forbidden, output);
        await using var buffering = await BufferingProxy.StartAsync(refusing.Url, output);
        var key = ClientTestGateway.NewKey();
        var recorder = new SubscriptionRecorder(output);
        using var client = new GatewayClient(new Uri(buffering.Url));
        var options = new SubscribeOptions { OnState = recorder.OnState, SseProbeTimeout = TimeSpan.FromSeconds(1), ConnectTimeout = TimeSpan.FromSeconds(5) };

        await using (var subscription = client.Connect($"/prices/{key}/events", options))
        {
            await Eventually.TrueAsync(() => subscription.Transport == GatewayTransport.LongPolling, Timeout, "the client to settle on long polling");
            await Eventually.TrueAsync(
                async () => await ClientTestGateway.FallbacksAsync(gateway, "prices", "sse", "longpolling", "buffered") >= 1,
                Timeout,
                "the gateway to count the fallback to long polling");
        }

        var series = await ClientTestGateway.FallbackSeriesAsync(gateway);
        Assert.Equal(
            new Dictionary<string, double>
            {
                ["route=prices,from=websocket,to=sse,reason=refused"] = 1,
                ["route=prices,from=sse,to=longpolling,reason=buffered"] = 1,
            },
            series.Where(s => s.Value > 0).ToDictionary());
    }
}
