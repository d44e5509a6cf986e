using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Gateway.Routing;
using Gateway.Sessions;

namespace Gateway.Transports.WebSockets;

/// <summary>Sends JSON text frames. One send at a time (a WebSocket allows no concurrent sends): the session and the receive loop share it.</summary>
internal sealed class WebSocketWriter(WebSocket socket) : ISessionWriter, IDisposable
{
    private static readonly byte[] Heartbeat = "{\"type\":\"heartbeat\"}"u8.ToArray();
    private readonly SemaphoreSlim _send = new(1, 1);

    public TransportKind Transport => TransportKind.WebSocket;

    public async ValueTask WriteEventsAsync(IReadOnlyList<EventEntry> events, Cursor cursor, CancellationToken cancellationToken)
    {
        await _send.WaitAsync(cancellationToken);
        try
        {
            foreach (var e in events)
            {
                await socket.SendAsync(e.Json, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
            }
        }
        finally
        {
            _send.Release();
        }
    }

    public ValueTask WriteHeartbeatAsync(CancellationToken cancellationToken) => SendAsync(Heartbeat, cancellationToken);

    public ValueTask WriteResetAsync(Cursor cursor, CancellationToken cancellationToken) =>
        SendAsync(Frame(w =>
        {
            w.WriteString("type", "reset");
            w.WriteString("cursor", cursor.ToString());
        }), cancellationToken);

    public ValueTask WriteGapAsync(Cursor cursor, long skipped, CancellationToken cancellationToken) =>
        SendAsync(Frame(w =>
        {
            w.WriteString("type", "gap");
            w.WriteString("cursor", cursor.ToString());
            w.WriteNumber("skipped", skipped);
        }), cancellationToken);

    public async ValueTask CloseAsync(CloseReason reason, TimeSpan retryAfter, Cursor cursor, CancellationToken cancellationToken)
    {
        if (reason.AdvisesReconnect())
        {
            await SendAsync(Frame(w =>
            {
                w.WriteString("type", "reconnect");
                w.WriteString("reason", reason.Name());
                w.WriteNumber("retryMs", (long)retryAfter.TotalMilliseconds);
            }), cancellationToken);
        }

        await CloseSocketAsync((WebSocketCloseStatus)reason.WebSocketCloseCode(), reason.Name(), cancellationToken);
    }

    public async ValueTask CloseSocketAsync(WebSocketCloseStatus status, string description, CancellationToken cancellationToken)
    {
        await _send.WaitAsync(cancellationToken);
        try
        {
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await socket.CloseOutputAsync(status, description, cancellationToken);
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
            await socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
        finally
        {
            _send.Release();
        }
    }

    public static byte[] Frame(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream(128);
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            write(w);
            w.WriteEndObject();
        }

        return stream.ToArray();
    }

    public static byte[] Error(string error, string message, string? reference) => Frame(w =>
    {
        w.WriteString("type", "error");
        w.WriteString("error", error);
        w.WriteString("message", message);
        if (reference is not null)
        {
            w.WriteString("ref", reference);
        }
    });

    public void Dispose() => _send.Dispose();

    internal static string Describe(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);
}
