using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using Gateway.Broker;
using Gateway.Routing;
using Gateway.Sessions;
using Gateway.Transports.Upstream;

namespace Gateway.Transports.WebSockets;

/// <summary>
/// WebSocket: events as JSON text frames, server pings with a pong timeout, and client messages
/// (<c>{"type":"publish"}</c>) read by a receive loop that runs beside the session.
/// </summary>
internal sealed partial class WebSocketTransport(SessionHost host, UpstreamPublisher upstream, ILogger<WebSocketTransport> logger) : IPushTransport
{
    public TransportKind Kind => TransportKind.WebSocket;

    public async Task<CloseReason> RunAsync(PushContext context, Topic topic)
    {
        var http = context.Http;
        var options = host.Services.Push.CurrentValue;
        using var socket = await http.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            KeepAliveInterval = context.Route.Heartbeat,
            KeepAliveTimeout = options.WebSocketPongTimeout,
            DangerousEnableCompression = false,
        });
        using var writer = new WebSocketWriter(socket);
        using var sessionEnd = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);

        var receive = ReceiveLoopAsync(context, socket, writer, options.MaxMessageBytes, options.UpstreamRatePerSecond, sessionEnd);
        CloseReason reason;
        try
        {
            reason = await host.RunAsync(context.Route, context.RouteConfig, context.Subject, topic, context.CursorText, writer, SessionMode.Stream, TimeSpan.Zero, sessionEnd.Token, context.TokenExpiry, context.ClientKey);
        }
        finally
        {
            // After our close frame, let the client answer with its own (the closing handshake, RFC 6455 section 7.1.2)
            // so it sees a clean close; a client that never answers is cut after a short grace.
            if (socket.State == WebSocketState.CloseSent)
            {
                await Task.WhenAny(receive, Task.Delay(TimeSpan.FromSeconds(2), host.Services.Time));
            }

            await sessionEnd.CancelAsync();
        }

        var clientReason = await receive;
        if (clientReason is { } r && reason == CloseReason.ClientClosed)
        {
            reason = r;
        }

        if (reason is CloseReason.SlowConsumer or CloseReason.Timeout)
        {
            socket.Abort();
        }
        else
        {
            await ClosingHandshake.AwaitClientCloseAsync(socket, TimeSpan.FromSeconds(2));
        }

        return reason;
    }

    /// <summary>
    /// Rate limits answer the upgrade with <c>429</c> + <c>Retry-After</c> (cheapest in a storm). A drain or a broker outage
    /// instead accepts the upgrade and closes at once with a <c>reconnect</c> frame and 1012 / 1013: a browser cannot
    /// read the status of a refused upgrade and would take it for a network that blocks WebSockets and fall back.
    /// </summary>
    public async Task RejectAsync(PushContext context, int status, string reason, TimeSpan retryAfter)
    {
        if (status == StatusCodes.Status429TooManyRequests)
        {
            await WireErrors.WriteAsync(context.Http, status, reason, "New push connections are refused right now; retry after the advised delay.", retryAfter: retryAfter);
            return;
        }

        using var socket = await context.Http.WebSockets.AcceptWebSocketAsync();
        using var writer = new WebSocketWriter(socket);
        var close = reason == "draining" ? CloseReason.Draining : CloseReason.BrokerUnavailable;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await writer.CloseAsync(close, retryAfter, default, timeout.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // The client went away first; nothing more to tell it.
            return;
        }

        await ClosingHandshake.AwaitClientCloseAsync(socket, TimeSpan.FromSeconds(5));
    }

    private static partial class Log
    {
        [LoggerMessage(3000, LogLevel.Debug, "WebSocket client message refused: {Error}")]
        public static partial void ClientError(ILogger logger, string error);
    }
}
