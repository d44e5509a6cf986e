using System.Text;
using System.Text.Json;

namespace Gateway.Bench.Subscribers;

/// <summary>
/// The benchmark's event: <c>{"run":R,"seq":S,"ts":T,"pad":"..."}</c>, where <c>ts</c> is the publisher's
/// <see cref="System.Diagnostics.Stopwatch"/> timestamp (publisher and subscribers share one process, so one clock).
/// The same parser reads a bare payload (SSE data, NATS message) and a WebSocket frame that wraps it
/// (<c>{"type":"event","id":"…","data":{…}}</c>), scanning property names at any depth.
/// </summary>
internal readonly record struct EventPayload(int Run, int Seq, long Timestamp)
{
    /// <summary>Builds a payload padded to about <paramref name="size"/> bytes.</summary>
    public static byte[] Create(int run, int seq, long timestamp, int size)
    {
        var head = $"{{\"run\":{run},\"seq\":{seq},\"ts\":{timestamp},\"pad\":\"";
        var pad = Math.Max(0, size - head.Length - 2);
        var bytes = new byte[head.Length + pad + 2];
        var written = Encoding.ASCII.GetBytes(head, bytes);
        bytes.AsSpan(written, pad).Fill((byte)'x');
        bytes[^2] = (byte)'"';
        bytes[^1] = (byte)'}';
        return bytes;
    }

    /// <summary>
    /// Reads the payload fields and, for a WebSocket frame, its <c>type</c> and <c>id</c> (copied into
    /// <paramref name="id"/>; <paramref name="idLength"/> is 0 when there is none or it does not fit).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> json, out EventPayload payload, out FrameType type, Span<byte> id, out int idLength)
    {
        payload = default;
        type = FrameType.None;
        idLength = 0;
        int run = -1, seq = -1;
        long ts = 0;
        try
        {
            var reader = new Utf8JsonReader(json);
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName)
                {
                    continue;
                }

                if (reader.ValueTextEquals("seq"u8))
                {
                    reader.Read();
                    seq = reader.GetInt32();
                }
                else if (reader.ValueTextEquals("ts"u8))
                {
                    reader.Read();
                    ts = reader.GetInt64();
                }
                else if (reader.ValueTextEquals("run"u8))
                {
                    reader.Read();
                    run = reader.GetInt32();
                }
                else if (reader.CurrentDepth == 1 && reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    type = reader.ValueTextEquals("event"u8) ? FrameType.Event
                        : reader.ValueTextEquals("reconnect"u8) ? FrameType.Reconnect
                        : reader.ValueTextEquals("reset"u8) ? FrameType.Reset
                        : FrameType.Other;
                }
                else if (reader.CurrentDepth == 1 && reader.ValueTextEquals("id"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && reader.ValueSpan.Length <= id.Length)
                    {
                        reader.ValueSpan.CopyTo(id);
                        idLength = reader.ValueSpan.Length;
                    }
                }
            }
        }
        catch (JsonException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
        catch (FormatException)
        {
            return false;
        }

        payload = new EventPayload(run, seq, ts);
        return run >= 0 && seq >= 0 && ts > 0;
    }

    /// <summary>For the parser's callers that only want a bare payload.</summary>
    public static bool TryParse(ReadOnlySpan<byte> json, out EventPayload payload) =>
        TryParse(json, out payload, out _, [], out _);
}
