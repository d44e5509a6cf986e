using System.Net.WebSockets;
using Gateway.Routing;
using Gateway.Sessions;

namespace Gateway.Transports.WebSockets;

/// <summary>
/// WebSocket: events as JSON text frames, server pings with a pong timeout, and client messages (publish, ping) on the
/// same socket. Each socket is a <see cref="WebSocketConnection"/>: the session's writer and its end signal.
/// </summary>
internal sealed partial class WebSocketTransport(TimeProvider time, ILogger<WebSocketTransport> logger) : IPushTransport
{
    public TransportKind Kind => TransportKind.WebSocket;

    public SessionMode Mode => SessionMode.Stream;

    public async ValueTask<ITransportConnection?> OpenAsync(TransportOpening opening)
    {
        var connection = await AcceptAsync(opening.Http, opening.Route.Heartbeat, opening.Options, opening.Messages);
        connection.StartReceiving(opening.Options.MaxMessageBytes);
        return connection;
    }

    /// <summary>
    /// Accepts a multiplexed stream's WebSocket: its subscriptions come and go as messages on it. <paramref name="attach"/>
    /// gets the wire before the first client message is read: a browser subscribes the moment the socket opens.
    /// </summary>
    public async ValueTask<MultiplexedWebSocketWire> OpenMultiplexedAsync(HttpContext http, PushOptions options, ISubscriptionMessages messages, Action<MultiplexedWebSocketWire> attach)
    {
        var connection = await AcceptAsync(http, options.HeartbeatInterval, options, messages);
        var wire = new MultiplexedWebSocketWire(connection, options.HeartbeatInterval, time);
        attach(wire);
        connection.StartReceiving(options.MaxMessageBytes);
        return wire;
    }

    private async ValueTask<WebSocketConnection> AcceptAsync(HttpContext http, TimeSpan heartbeat, PushOptions options, IClientMessages messages)
    {
        // Ping/pong with a timeout is what detects a half-open peer (power loss, a NAT that forgot the flow): a heartbeat
        // frame alone would sit in the kernel's buffer for minutes. The runtime offers it only as a per-socket timer.
        var (socket, batching) = await WebSocketHandshake.AcceptAsync(http, new WebSocketAcceptContext
        {
            KeepAliveInterval = heartbeat,
            KeepAliveTimeout = options.WebSocketPongTimeout,
            DangerousEnableCompression = false,
        });
        return new WebSocketConnection(http, socket, batching, messages, time, logger);
    }

    /// <summary>
    /// Rate limits answer the upgrade with <c>429</c> + <c>Retry-After</c> (cheapest in a storm). A drain or a broker outage
    /// instead accepts the upgrade and closes at once with a <c>reconnect</c> frame and 1012 / 1013: a browser cannot
    /// read the status of a refused upgrade and would take it for a network that blocks WebSockets and fall back.
    /// </summary>
    public async Task RejectAsync(HttpContext http, int status, string reason, TimeSpan retryAfter)
    {
        if (status == StatusCodes.Status429TooManyRequests)
        {
            await WireErrors.WriteAsync(http, status, reason, "New push connections are refused right now; retry after the advised delay.", retryAfter: retryAfter);
            return;
        }

        using var socket = await http.WebSockets.AcceptWebSocketAsync();
        var close = reason == "draining" ? CloseReason.Draining : CloseReason.BrokerUnavailable;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await socket.SendAsync(WebSocketFrames.Reconnect(close, retryAfter), WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
            await socket.CloseOutputAsync((WebSocketCloseStatus)close.WebSocketCloseCode(), close.Name(), timeout.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // The client went away first; nothing more to tell it.
            return;
        }

        await ClosingHandshake.AwaitClientCloseAsync(socket, TimeSpan.FromSeconds(5));
    }

    internal static partial class Log
    {
        [LoggerMessage(3000, LogLevel.Debug, "WebSocket client message refused: {Error}")]
        public static partial void ClientError(ILogger logger, string error);
    }
}
