using Gateway.Transports;

namespace Gateway.Multiplexing;

/// <summary>Long and short polls of a multiplexed stream.</summary>
internal sealed class StreamPolls
{
    public Task HandleAsync(HttpContext http, IPushTransport transport, List<string> paths, string? cursor) =>
        WireErrors.WriteAsync(http, 400, "transport_not_allowed", "Multiplexed streams are served over WebSocket and SSE for now.", ["websocket", "sse"]);
}
