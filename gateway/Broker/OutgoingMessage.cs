namespace Gateway.Broker;

/// <summary>An event to publish: a subject, a type (<c>Gw-Event</c>) and the payload bytes.</summary>
internal readonly record struct OutgoingMessage(string Subject, string? EventType, ReadOnlyMemory<byte> Data);
