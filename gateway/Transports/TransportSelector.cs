using Gateway.Routing;

namespace Gateway.Transports;

/// <summary>Which transport a request asks for: the upgrade header, <c>?transport=</c>, or <c>Accept: text/event-stream</c>.</summary>
internal static class TransportSelector
{
    /// <summary>
    /// Whether the request subscribes: a <c>GET</c>, or a WebSocket opened over HTTP/2 with an extended <c>CONNECT</c>
    /// (RFC 8441), which ASP.NET Core reports as a WebSocket request with the method <c>CONNECT</c> (docs/tls.md).
    /// </summary>
    public static bool IsSubscribe(HttpContext context) =>
        HttpMethods.IsGet(context.Request.Method) || (HttpMethods.IsConnect(context.Request.Method) && context.WebSockets.IsWebSocketRequest);

    public static TransportSelection Select(HttpContext context, out TransportKind kind)
    {
        kind = default;
        if (context.WebSockets.IsWebSocketRequest)
        {
            kind = TransportKind.WebSocket;
            return TransportSelection.Selected;
        }

        if (context.Request.Query.TryGetValue("transport", out var named) && !string.IsNullOrEmpty(named))
        {
            if (!TransportNames.TryParse(named, out kind))
            {
                return TransportSelection.Unknown;
            }

            // A WebSocket must arrive as an upgrade; a plain GET naming it is a client (or proxy) error.
            return kind == TransportKind.WebSocket ? TransportSelection.NotAnUpgrade : TransportSelection.Selected;
        }

        foreach (var accept in context.Request.Headers.Accept)
        {
            if (accept is not null && accept.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase))
            {
                kind = TransportKind.Sse;
                return TransportSelection.Selected;
            }
        }

        return TransportSelection.None;
    }
}

internal enum TransportSelection
{
    None,
    Selected,
    Unknown,
    NotAnUpgrade,
}
