namespace Gateway.Broker;

/// <summary>One event as the broker delivered it. <see cref="Sequence"/> increases strictly per subject within an epoch.</summary>
internal sealed record BrokerEvent(
    ulong Sequence,
    string Subject,
    string EventType,
    ReadOnlyMemory<byte> Data,
    DateTimeOffset PublishedAt);
