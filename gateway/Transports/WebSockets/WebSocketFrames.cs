using System.Text.Json;
using Gateway.Sessions;

namespace Gateway.Transports.WebSockets;

/// <summary>The gateway's own WebSocket messages (heartbeat, reset, gap, reconnect, pong, ack, error) as JSON text.</summary>
internal static class WebSocketFrames
{
    public static readonly byte[] Heartbeat = "{\"type\":\"heartbeat\"}"u8.ToArray();

    public static readonly byte[] Pong = "{\"type\":\"pong\"}"u8.ToArray();

    public static byte[] Reconnect(CloseReason reason, TimeSpan retryAfter) => Frame(w =>
    {
        w.WriteString("type", "reconnect");
        w.WriteString("reason", reason.Name());
        w.WriteNumber("retryMs", (long)retryAfter.TotalMilliseconds);
    });

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

    public static byte[] Error(string error, string message, string? reference, string? path = null) => Frame(w =>
    {
        w.WriteString("type", "error");
        if (path is not null)
        {
            w.WriteString("path", path);
        }

        w.WriteString("error", error);
        w.WriteString("message", message);
        if (reference is not null)
        {
            w.WriteString("ref", reference);
        }
    });
}
