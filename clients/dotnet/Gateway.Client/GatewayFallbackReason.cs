namespace EdgeGateway.Client;

/// <summary>
/// Why the client left a transport for the next one. Reported to the gateway as <c>fallbackReason</c> on the next
/// request, so the gateway's <c>gateway_fallbacks_total</c> metric shows what networks really do (docs/protocol.md).
/// </summary>
public enum GatewayFallbackReason
{
    /// <summary><c>refused</c>: the connection was answered with something other than an open transport (a WebSocket upgrade answered 403, say).</summary>
    Refused,

    /// <summary><c>timeout</c>: the transport did not open within <see cref="SubscribeOptions.ConnectTimeout"/>.</summary>
    Timeout,

    /// <summary><c>no_heartbeat</c>: the transport opened but went silent for longer than the heartbeat allows.</summary>
    NoHeartbeat,

    /// <summary><c>error</c>: the transport failed (a 5xx from an intermediary, a reset connection).</summary>
    Error,

    /// <summary><c>closed</c>: the transport opened and closed again before delivering anything.</summary>
    Closed,

    /// <summary><c>buffered</c>: an SSE stream opened but no byte arrived within <see cref="SubscribeOptions.SseProbeTimeout"/>; a proxy is buffering it.</summary>
    Buffered,

    /// <summary><c>forced</c>: the application asked for it (<see cref="GatewaySubscription.ForceFallback"/>).</summary>
    Forced,

    /// <summary><c>unsupported</c>: the answer was not the transport's format (an SSE request answered with HTML, say).</summary>
    Unsupported,

    /// <summary><c>no_delivery</c>: the transport opened but delivered nothing, not even a heartbeat.</summary>
    NoDelivery,
}
