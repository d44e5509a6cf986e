namespace EdgeGateway.Client;

/// <summary>The push transports of the gateway's wire protocol, best first.</summary>
public enum GatewayTransport
{
    /// <summary>WebSocket (<c>websocket</c>): events as JSON text frames; upstream messages travel on the same socket.</summary>
    WebSocket,

    /// <summary>Server-Sent Events (<c>sse</c>): one long-lived <c>text/event-stream</c> response.</summary>
    Sse,

    /// <summary>Long polling (<c>longpolling</c>): a request held until an event arrives or the wait ends.</summary>
    LongPolling,

    /// <summary>Short polling (<c>polling</c>): a request every poll interval, answered <c>304</c> when nothing changed.</summary>
    Polling,
}
