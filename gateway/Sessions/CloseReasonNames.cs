namespace Gateway.Sessions;

internal static class CloseReasonNames
{
    public static string Name(this CloseReason reason) => reason switch
    {
        CloseReason.ClientClosed => "client_closed",
        CloseReason.Completed => "completed",
        CloseReason.Draining => "draining",
        CloseReason.Shutdown => "shutdown",
        CloseReason.SlowConsumer => "slow_consumer",
        CloseReason.TransportDisabled => "transport_disabled",
        CloseReason.RouteRemoved => "route_removed",
        CloseReason.BrokerUnavailable => "broker_unavailable",
        CloseReason.ProtocolError => "protocol_error",
        CloseReason.MessageTooBig => "message_too_big",
        CloseReason.TokenExpired => "token_expired",
        CloseReason.Timeout => "timeout",
        _ => "error",
    };

    /// <summary>WebSocket close codes (RFC 6455 section 7.4.1 and DESIGN.md).</summary>
    public static int WebSocketCloseCode(this CloseReason reason) => reason switch
    {
        CloseReason.ClientClosed or CloseReason.Completed => 1000,
        CloseReason.Shutdown => 1001,
        CloseReason.ProtocolError => 1008,
        CloseReason.MessageTooBig => 1009,
        CloseReason.Draining => 1012,
        CloseReason.TokenExpired => 4401,
        CloseReason.Error => 1011,
        _ => 1013,
    };

    /// <summary>True when the client should come back (with its cursor) rather than give up.</summary>
    public static bool AdvisesReconnect(this CloseReason reason) =>
        reason is not (CloseReason.ClientClosed or CloseReason.Completed or CloseReason.ProtocolError or CloseReason.MessageTooBig);
}
