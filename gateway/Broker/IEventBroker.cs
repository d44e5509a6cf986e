namespace Gateway.Broker;

/// <summary>
/// The broker seam: JetStream, core NATS and the embedded broker all sit behind it, and every transport test runs
/// against all three. The implementation is also the hosted service that owns the connection.
/// </summary>
internal interface IEventBroker
{
    BrokerKind Kind { get; }

    /// <summary>True while the broker answers; drives <c>/readyz</c>.</summary>
    bool IsConnected { get; }

    /// <summary>Publishes one event. Throws <see cref="BrokerUnavailableException"/> when the broker cannot take it.</summary>
    ValueTask PublishAsync(OutgoingMessage message, CancellationToken cancellationToken);

    /// <summary>Opens the live feed of one subject, starting right after the current head.</summary>
    ValueTask<ISubjectFeed> OpenFeedAsync(string subject, CancellationToken cancellationToken);

    /// <summary>Checks the broker answers a round trip now (readiness).</summary>
    ValueTask<bool> PingAsync(CancellationToken cancellationToken);
}
