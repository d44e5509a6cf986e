using System.Buffers;
using System.Text.Json;

namespace EdgeGateway.Client.Wire;

/// <summary>Client-to-gateway WebSocket frames.</summary>
internal static class WireFrames
{
    /// <summary><c>{"type":"publish","data":…,"event":…,"ref":…}</c>.</summary>
    public static ReadOnlyMemory<byte> Publish(JsonElement data, string? eventType, string reference)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type"u8, "publish"u8);
            writer.WritePropertyName("data"u8);
            data.WriteTo(writer);
            if (eventType is not null)
            {
                writer.WriteString("event"u8, eventType);
            }

            writer.WriteString("ref"u8, reference);
            writer.WriteEndObject();
        }

        return buffer.WrittenMemory;
    }
}
