namespace Gateway.Routing;

/// <summary>The push transports, best first.</summary>
public enum TransportKind
{
    WebSocket,
    Sse,
    LongPolling,
    Polling,
}
