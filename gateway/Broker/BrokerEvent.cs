namespace Gateway.Broker;

/// <summary>
/// One event as the broker delivered it. <see cref="Sequence"/> increases strictly per subject within an epoch.
/// <see cref="TraceParent"/> is the publisher's W3C trace context, read only while tracing is on (docs/tracing.md).
/// </summary>
internal sealed record BrokerEvent(
    ulong Sequence,
    string Subject,
    string EventType,
    ReadOnlyMemory<byte> Data,
    DateTimeOffset PublishedAt,
    string? TraceParent = null);
