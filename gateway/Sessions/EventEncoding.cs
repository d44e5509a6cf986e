using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Gateway.Sessions;

/// <summary>Encodes events for the wire. JSON payloads pass through as JSON; other bytes travel as a string.</summary>
internal static class EventEncoding
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    public static byte[] EncodeJson(EventEntry entry)
    {
        var buffer = new ArrayBufferWriter<byte>(entry.Source.Data.Length + 96);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("type"u8, "event"u8);
            writer.WriteString("id"u8, entry.Id);
            writer.WriteString("event"u8, entry.Source.EventType);
            WriteData(writer, entry.Source.Data.Span, entry.IsJson);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// SSE <c>data</c> is JSON text, as <c>data</c> is on the other transports: a JSON payload verbatim, any other payload
    /// as a JSON string literal. A raw CR LF cannot survive SSE (every line end is one separator), so a non-JSON payload
    /// travels escaped and decodes byte-identical. One <c>data:</c> line per payload line. Splitting on CR, LF and CRLF (the SSE spec's line ends) is what stops a
    /// payload from injecting <c>id:</c> or <c>event:</c> fields; a parser joins the lines back with LF.
    /// See https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation.
    /// </summary>
    public static byte[] EncodeSse(EventEntry entry)
    {
        var data = entry.Source.Data.Span;
        var text = entry.IsJson ? Utf8.GetString(data) : JsonSerializer.Serialize(Utf8.GetString(data), EventJsonContext.Default.String);
        var sb = new StringBuilder(text.Length + 64);
        sb.Append("id: ").Append(entry.Id).Append('\n');
        sb.Append("event: ").Append(entry.Source.EventType).Append('\n');
        AppendData(sb, text);
        sb.Append('\n');
        return Utf8.GetBytes(sb.ToString());
    }

    public static void AppendData(StringBuilder sb, string text)
    {
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is '\r' or '\n')
            {
                sb.Append("data: ").Append(text, start, i - start).Append('\n');
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                {
                    i++;
                }

                start = i + 1;
            }
        }

        sb.Append("data: ").Append(text, start, text.Length - start).Append('\n');
    }

    public static void WriteData(Utf8JsonWriter writer, ReadOnlySpan<byte> data, bool isJson)
    {
        writer.WritePropertyName("data"u8);
        if (isJson)
        {
            writer.WriteRawValue(data, skipInputValidation: true);
        }
        else
        {
            writer.WriteStringValue(Utf8.GetString(data));
        }
    }

    /// <summary>
    /// True when the payload is exactly one well-formed JSON value in valid UTF-8. The reader alone does not check the
    /// UTF-8 inside strings, and invalid UTF-8 in a WebSocket text frame makes every browser close the connection
    /// (RFC 6455 section 8.1), so it is checked first: such a payload travels as a JSON string instead.
    /// </summary>
    public static bool IsJson(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty || !System.Text.Unicode.Utf8.IsValid(data))
        {
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(data, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            if (!reader.Read())
            {
                return false;
            }

            reader.Skip();
            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
