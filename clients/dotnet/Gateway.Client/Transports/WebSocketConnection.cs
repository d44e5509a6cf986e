using System.Net.WebSockets;

namespace EdgeGateway.Client.Transports;

/// <summary>
/// The WebSocket transport's handshake: <c>GET {path}?cursor=…</c> with an upgrade. A handshake answered with anything
/// but 101 (a proxy that refuses upgrades) or not done within the connect timeout is a fallback; 429/503 are a wait.
/// </summary>
internal sealed class WebSocketConnection : ITransportConnection
{
    public GatewayTransport Kind => GatewayTransport.WebSocket;

    public async Task<ConnectionOutcome> RunAsync(ConnectionContext context, CancellationToken cancellationToken)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (await context.Sink.AccessTokenAsync(cancellationToken) is { Length: > 0 } token)
        {
            socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        }

        context.Client.Options.ConfigureWebSocket?.Invoke(socket.Options);
        var uri = context.StreamUri([new("cursor", context.Sink.Cursor)], webSocket: true);
        using (var connect = new TimeoutScope(context.Time, context.Options.ConnectTimeout, cancellationToken))
        {
            try
            {
                await socket.ConnectAsync(uri, connect.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or WebSocketException && connect.TimedOut)
            {
                return ConnectionOutcome.FallBack(GatewayFallbackReason.Timeout, ex);
            }
            catch (WebSocketException ex) when (!cancellationToken.IsCancellationRequested)
            {
                return Refused(socket, ex);
            }
        }

        var session = new WebSocketSession(socket, context);
        return await session.RunAsync(cancellationToken);
    }

    private static ConnectionOutcome Refused(ClientWebSocket socket, WebSocketException ex)
    {
        var status = (int)socket.HttpStatusCode;
        if (status is 429 or 503)
        {
            return ConnectionOutcome.Reconnect(status == 429 ? "rate_limited" : "unavailable", delivered: false, HttpAnswers.RetryAfter(socket.HttpResponseHeaders), ex);
        }

        if (status == 0 && HttpAnswers.IsUnreachable(ex))
        {
            return ConnectionOutcome.Reconnect("unreachable", delivered: false, error: ex);
        }

        // Any other answer than 101 is an intermediary (or the gateway) refusing the upgrade; a handshake cut off without an
        // answer is an error. Either way the HTTP transports may still get through.
        return ConnectionOutcome.FallBack(status != 0 ? GatewayFallbackReason.Refused : GatewayFallbackReason.Error, ex);
    }
}
