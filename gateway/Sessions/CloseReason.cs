namespace Gateway.Sessions;

/// <summary>
/// Why a session ended: one enum feeds logs, the <c>reason</c> metric label and the wire (SignalR's stop status).
/// </summary>
public enum CloseReason
{
    /// <summary>The client went away or closed.</summary>
    ClientClosed,

    /// <summary>A poll answered (events or an empty batch after its wait).</summary>
    Completed,

    /// <summary>The instance is draining; reconnect elsewhere.</summary>
    Draining,

    /// <summary>The host is stopping and the drain window is over.</summary>
    Shutdown,

    /// <summary>The session fell further behind than its queue allows (policy Disconnect).</summary>
    SlowConsumer,

    /// <summary>An operator switched the session's transport off for its route.</summary>
    TransportDisabled,

    /// <summary>The route was removed or stopped being a push route.</summary>
    RouteRemoved,

    /// <summary>The broker feed failed; reconnect and resume.</summary>
    BrokerUnavailable,

    /// <summary>The client broke the protocol (binary frame, invalid JSON, invalid UTF-8).</summary>
    ProtocolError,

    /// <summary>The client sent a message above the size limit.</summary>
    MessageTooBig,

    /// <summary>The session's access token expired.</summary>
    TokenExpired,

    /// <summary>The client did not answer pings, or a write did not complete in time.</summary>
    Timeout,

    /// <summary>An unexpected server error.</summary>
    Error,
}
