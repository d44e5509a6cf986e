namespace Gateway.IntegrationTests.Transports;

/// <summary>What a raw test client saw on the wire, normalised across transports.</summary>
internal sealed record PushItem(PushItemKind Kind, string? Id, string? EventType, string? Data, string? Cursor = null, string? Reason = null);

internal enum PushItemKind
{
    Event,
    Reset,
    Gap,
    Heartbeat,
    Reconnect,
    Closed,
}
