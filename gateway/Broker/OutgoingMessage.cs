namespace Gateway.Broker;

/// <summary>
/// An event to publish: a subject, a type (<c>Gw-Event</c>) and the payload bytes; with a message id, JetStream drops a
/// second publish of the same id within its duplicate window (<c>Nats-Msg-Id</c>); the other brokers ignore it.
/// </summary>
internal readonly record struct OutgoingMessage(string Subject, string? EventType, ReadOnlyMemory<byte> Data, string? MessageId = null);
