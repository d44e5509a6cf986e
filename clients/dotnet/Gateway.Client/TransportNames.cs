namespace EdgeGateway.Client;

/// <summary>The wire names of transports and fallback reasons (docs/protocol.md).</summary>
internal static class TransportNames
{
    public static string Name(this GatewayTransport transport) => transport switch
    {
        GatewayTransport.WebSocket => "websocket",
        GatewayTransport.Sse => "sse",
        GatewayTransport.LongPolling => "longpolling",
        _ => "polling",
    };

    public static bool TryParse(string? name, out GatewayTransport transport)
    {
        switch (name)
        {
            case "websocket":
                transport = GatewayTransport.WebSocket;
                return true;
            case "sse":
                transport = GatewayTransport.Sse;
                return true;
            case "longpolling":
                transport = GatewayTransport.LongPolling;
                return true;
            case "polling":
                transport = GatewayTransport.Polling;
                return true;
            default:
                transport = default;
                return false;
        }
    }

    public static string Name(this GatewayFallbackReason reason) => reason switch
    {
        GatewayFallbackReason.Refused => "refused",
        GatewayFallbackReason.Timeout => "timeout",
        GatewayFallbackReason.NoHeartbeat => "no_heartbeat",
        GatewayFallbackReason.Error => "error",
        GatewayFallbackReason.Closed => "closed",
        GatewayFallbackReason.Buffered => "buffered",
        GatewayFallbackReason.Forced => "forced",
        GatewayFallbackReason.Unsupported => "unsupported",
        _ => "no_delivery",
    };
}
