using System.Net.WebSockets;
using System.Text;
using Gateway.Bench.Subscribers;

namespace Gateway.Bench.Drain;

/// <summary>
/// WebSocket: <c>GET {path}?cursor=ID</c> with an upgrade, JSON event frames; a <c>reconnect</c> frame and close 1012 on a
/// drain; <c>429</c> + <c>Retry-After</c> on a rate-limited upgrade (read with <c>CollectHttpResponseDetails</c>).
/// </summary>
internal sealed class WebSocketDrainClient(Uri instanceA, Uri instanceB, string path, string cursor) : DrainClient(instanceA, instanceB, path, cursor)
{
    private const int DrainCloseCode = 1012;
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(2);

    private byte[] _buffer = new byte[1024];

    public override string Transport => "websocket";

    protected override async Task<Exchange> ExchangeAsync(Uri instance, CancellationToken cancellationToken)
    {
        var uri = new UriBuilder(instance) { Scheme = "ws", Path = Path, Query = "cursor=" + Uri.EscapeDataString(Cursor) }.Uri;
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(ConnectTimeout);
            try
            {
                await socket.ConnectAsync(uri, timeout.Token);
            }
            catch (WebSocketException) when ((int)socket.HttpStatusCode is 429 or 503)
            {
                return Exchange.Refused((int)socket.HttpStatusCode, RetryAfter(socket.HttpResponseHeaders), draining: (int)socket.HttpStatusCode == 503);
            }
        }

        ControlFields? advice = null;
        var opened = false;
        var count = 0;
        while (true)
        {
            var result = await socket.ReceiveAsync(_buffer.AsMemory(count), cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                break;
            }

            count += result.Count;
            if (!result.EndOfMessage)
            {
                if (count == _buffer.Length)
                {
                    Array.Resize(ref _buffer, _buffer.Length * 2);
                }

                continue;
            }

            advice = Handle(_buffer.AsSpan(0, count), ref opened) ?? advice;
            count = 0;
        }

        var code = (int?)socket.CloseStatus;
        await CloseQuietlyAsync(socket);
        if (advice is { } a)
        {
            return Exchange.Advised(Milliseconds(a.RetryMs), a.IsDraining || code == DrainCloseCode);
        }

        return code == DrainCloseCode ? Exchange.Advised(Milliseconds(0), draining: true) : Exchange.Failed;
    }

    /// <summary>Records an event frame; returns the advice of a reconnect frame.</summary>
    private ControlFields? Handle(ReadOnlySpan<byte> frame, ref bool opened)
    {
        Span<byte> id = stackalloc byte[64];
        var ok = EventPayload.TryParse(frame, out var payload, out var type, id, out var idLength);
        switch (type)
        {
            case FrameType.Event when ok:
                if (!opened)
                {
                    opened = true;
                    Succeeded();
                }

                Deliver(payload, idLength > 0 ? Encoding.UTF8.GetString(id[..idLength]) : null);
                return null;
            case FrameType.Reconnect:
                return ControlFields.Parse(frame);
            case FrameType.Reset:
                Reset(ControlFields.Parse(frame).Cursor);
                return null;
            default:
                return null;
        }
    }

    /// <summary>Answers the server's close frame, so the server sees a completed handshake rather than waiting it out.</summary>
    private static async Task CloseQuietlyAsync(ClientWebSocket socket)
    {
        if (socket.State != WebSocketState.CloseReceived)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(CloseTimeout);
        try
        {
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
        }
    }
}
