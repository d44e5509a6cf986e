namespace Gateway.IntegrationTests.Transports;

/// <summary>A client that changes transport mid-stream keeps one ordered, gap-free, duplicate-free history by cursor.</summary>
public sealed class TransportSwitchTests(MatrixGateways gateways) : IClassFixture<MatrixGateways>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("JetStream")]
    [InlineData("Nats")]
    [InlineData("Memory")]
    public async Task WebSocketThenSseThenLongPolling_ReceivesEveryEventExactlyOnceInOrder(string broker)
    {
        var gateway = await gateways.GetAsync(broker);
        var topic = "W" + Guid.NewGuid().ToString("N")[..10];
        var path = $"/t/{topic}/events";
        var cursor = await MatrixGateways.NegotiateCursorAsync(gateway, path);
        var next = 0;
        async Task PublishAsync(int n)
        {
            for (var i = 0; i < n; i++, next++)
            {
                await MatrixGateways.PublishAsync(gateway, $"t.{topic}", $"{{\"n\":{next}}}");
            }
        }

        var received = new List<PushItem>();
        foreach (var transport in new[] { "websocket", "sse", "longpolling", "polling" })
        {
            // Some events wait for the next transport, some arrive while it is connected.
            await PublishAsync(20);
            var expected = next + 10;
            var receiving = RawPushClient.CollectAsync(RawPushClient.StreamAsync(transport, gateway.PublicUrl, path, cursor, CancellationToken.None),
                got => received.Count + got.Count(i => i.Kind == PushItemKind.Event) >= expected, Timeout);
            await PublishAsync(10);
            var got = (await receiving).Where(i => i.Kind == PushItemKind.Event).ToList();
            Assert.Equal(got.Count, got.Select(e => e.Id).Distinct().Count());
            received.AddRange(got);
            cursor = got[^1].Id;
        }

        Assert.Equal(Enumerable.Range(0, next).Select(i => $"{{\"n\":{i}}}"), received.Select(e => e.Data));
        PushIds.AssertStrictlyIncreasing(received);
    }
}
