namespace Gateway.Bench.Subscribers;

/// <summary>One push client of the gateway: connects, then receives in the background until the group stops it.</summary>
internal interface IGatewaySubscriber : IAsyncDisposable
{
    DeliveryLog Log { get; }

    SubscriberState State { get; }

    /// <summary>
    /// Opens the stream (bounded by <paramref name="connectTimeout"/>), then starts the receive loop, which reconnects
    /// from the last id when the gateway ends the stream, until <paramref name="lifetime"/> is cancelled.
    /// </summary>
    Task ConnectAsync(CancellationToken connectTimeout, CancellationToken lifetime);
}
