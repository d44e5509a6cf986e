namespace Gateway.Bench.Subscribers;

/// <summary>N subscribers on one subject, over one delivery path (the gateway with one transport, or NATS directly).</summary>
internal interface ISubscriberGroup : IAsyncDisposable
{
    /// <summary>The delivery path, as shown in the results: <c>gateway-sse</c>, <c>gateway-websocket</c>, <c>nats-direct</c>.</summary>
    string Path { get; }

    IReadOnlyList<DeliveryLog> Logs { get; }

    SubscriberStats Stats { get; }

    /// <summary>How many subscribers are in each state now (connecting, receiving, ...).</summary>
    IReadOnlyDictionary<string, int> StateCounts();

    /// <summary>Connects every subscriber; returns once each is connected (for NATS: once the server has its subscription).</summary>
    Task ConnectAsync(CancellationToken cancellationToken);
}
