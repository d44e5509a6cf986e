namespace Gateway.Routing;

/// <summary>The wire names of transports (negotiate, <c>Push.Transports</c>, <c>?transport=</c>, metric labels).</summary>
internal static class TransportNames
{
    public static readonly IReadOnlyList<TransportKind> All = [TransportKind.WebSocket, TransportKind.Sse, TransportKind.LongPolling, TransportKind.Polling];

    public static string Name(this TransportKind kind) => kind switch
    {
        TransportKind.WebSocket => "websocket",
        TransportKind.Sse => "sse",
        TransportKind.LongPolling => "longpolling",
        TransportKind.Polling => "polling",
        _ => "unknown",
    };

    public static bool TryParse(string? value, out TransportKind kind)
    {
        switch (value?.Trim().ToLowerInvariant())
        {
            case "websocket" or "websockets" or "ws":
                kind = TransportKind.WebSocket;
                return true;
            case "sse" or "eventsource" or "serversentevents":
                kind = TransportKind.Sse;
                return true;
            case "longpolling" or "long-polling":
                kind = TransportKind.LongPolling;
                return true;
            case "polling" or "shortpolling" or "short-polling":
                kind = TransportKind.Polling;
                return true;
            default:
                kind = default;
                return false;
        }
    }
}
