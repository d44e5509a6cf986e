using System.Net.WebSockets;
using Gateway.Routing;
using Gateway.Sessions;

namespace Gateway.Transports.WebSockets;

/// <summary>
/// One accepted WebSocket: the session's writer (JSON text frames, one send at a time since a WebSocket allows no
/// concurrent sends, shared with the receive side's answers) and its end signal (the client closed, broke the
/// protocol, or the request was aborted). Its one cancellation source is that end signal.
/// </summary>
internal sealed partial class WebSocketConnection : ISessionWriter, ITransportConnection
{
    private readonly HttpContext _http;
    private readonly WebSocket _socket;
    private readonly BatchingStream? _batching;
    private readonly IClientMessages _messages;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _send = new(1, 1);
    private readonly CancellationTokenSource _end;
    private Task<CloseReason?> _receive = Task.FromResult<CloseReason?>(null);

    public WebSocketConnection(HttpContext http, WebSocket socket, BatchingStream? batching, IClientMessages messages, TimeProvider time, ILogger logger)
    {
        _http = http;
        _socket = socket;
        _batching = batching;
        _messages = messages;
        _time = time;
        _logger = logger;
        _end = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
    }

    public TransportKind Transport => TransportKind.WebSocket;

    public ISessionWriter Writer => this;

    public CancellationToken Ended => _end.Token;

    public TimeSpan Wait => TimeSpan.Zero;

    public ValueTask WriteEventsAsync(IReadOnlyList<EventEntry> events, Cursor cursor, CancellationToken cancellationToken) =>
        WriteEventsAsync(null, events, cancellationToken);

    /// <summary>
    /// Writes event frames; with a <paramref name="prefix"/> (<c>{"path":"...",</c> on a multiplexed stream) each frame is the
    /// prefix followed by the event's shared JSON without its opening brace, so the shared encoding is still made once.
    /// </summary>
    public async ValueTask WriteEventsAsync(byte[]? prefix, IReadOnlyList<EventEntry> events, CancellationToken cancellationToken)
    {
        await _send.WaitAsync(cancellationToken);
        try
        {
            if (events.Count == 1 || _batching is null)
            {
                for (var i = 0; i < events.Count; i++)
                {
                    await SendEventAsync(prefix, events[i], cancellationToken);
                }

                return;
            }

            // Several frames, one write and one flush: the frames are gathered under the socket and sent together.
            _batching.BeginBatch();
            try
            {
                for (var i = 0; i < events.Count; i++)
                {
                    await SendEventAsync(prefix, events[i], cancellationToken);
                }
            }
            finally
            {
                await _batching.EndBatchAsync(cancellationToken);
            }
        }
        finally
        {
            _send.Release();
        }
    }

    private async ValueTask SendEventAsync(byte[]? prefix, EventEntry entry, CancellationToken cancellationToken)
    {
        var json = entry.Json;
        if (prefix is null)
        {
            await _socket.SendAsync(json, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
            return;
        }

        var length = prefix.Length + json.Length - 1;
        var frame = System.Buffers.ArrayPool<byte>.Shared.Rent(length);
        try
        {
            prefix.CopyTo(frame, 0);
            json.AsSpan(1).CopyTo(frame.AsSpan(prefix.Length));
            await _socket.SendAsync(frame.AsMemory(0, length), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(frame);
        }
    }

    public ValueTask WriteHeartbeatAsync(CancellationToken cancellationToken) => SendAsync(WebSocketFrames.Heartbeat, cancellationToken);

    public ValueTask WriteResetAsync(Cursor cursor, CancellationToken cancellationToken) =>
        SendAsync(WebSocketFrames.Frame(w =>
        {
            w.WriteString("type", "reset");
            w.WriteString("cursor", cursor.ToString());
        }), cancellationToken);

    public ValueTask WriteGapAsync(Cursor cursor, long skipped, CancellationToken cancellationToken) =>
        SendAsync(WebSocketFrames.Frame(w =>
        {
            w.WriteString("type", "gap");
            w.WriteString("cursor", cursor.ToString());
            w.WriteNumber("skipped", skipped);
        }), cancellationToken);

    public async ValueTask CloseAsync(CloseReason reason, TimeSpan retryAfter, Cursor cursor, CancellationToken cancellationToken)
    {
        if (reason.AdvisesReconnect())
        {
            await SendAsync(WebSocketFrames.Reconnect(reason, retryAfter), cancellationToken);
        }

        await CloseSocketAsync((WebSocketCloseStatus)reason.WebSocketCloseCode(), reason.Name(), cancellationToken);
    }

    public void Abort()
    {
        _socket.Abort();
        _http.Abort();
    }

    /// <summary>
    /// After our close frame, lets the client answer with its own (the closing handshake, RFC 6455 section 7.1.2) so it
    /// sees a clean close; a client that never answers is cut after a short grace. A reason the client caused (it closed,
    /// sent garbage or too much) is recorded instead of a plain "client closed".
    /// </summary>
    public async ValueTask<CloseReason> CompleteAsync(CloseReason reason)
    {
        if (_socket.State == WebSocketState.CloseSent)
        {
            await Task.WhenAny(_receive, Task.Delay(TimeSpan.FromSeconds(2), _time));
        }

        await _end.CancelAsync();
        var clientReason = await _receive;
        if (clientReason is { } r && reason == CloseReason.ClientClosed)
        {
            reason = r;
        }

        if (reason is CloseReason.SlowConsumer or CloseReason.Timeout)
        {
            _socket.Abort();
        }
        else
        {
            await ClosingHandshake.AwaitClientCloseAsync(_socket, TimeSpan.FromSeconds(2));
        }

        return reason;
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        _send.Dispose();
        _end.Dispose();
        return ValueTask.CompletedTask;
    }

    public async ValueTask CloseSocketAsync(WebSocketCloseStatus status, string description, CancellationToken cancellationToken)
    {
        await _send.WaitAsync(cancellationToken);
        try
        {
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync(status, description, cancellationToken);
            }
        }
        finally
        {
            _send.Release();
        }
    }

    public async ValueTask SendAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        await _send.WaitAsync(cancellationToken);
        try
        {
            await _socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
        finally
        {
            _send.Release();
        }
    }
}
