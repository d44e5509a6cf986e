using System.Text.Json;

namespace Gateway.Bench.Drain;

/// <summary>
/// The fields of a control message the drain clients act on, wherever they sit: a WebSocket <c>reconnect</c> or
/// <c>reset</c> frame, the data of <c>gateway.reconnect</c>, a JSON error body (<c>"error"</c>).
/// </summary>
internal readonly record struct ControlFields(string? Reason, int RetryMs, string? Cursor, string? Error)
{
    public bool IsDraining => Reason == "draining" || Error == "draining";

    public static ControlFields Parse(ReadOnlySpan<byte> json)
    {
        string? reason = null, cursor = null, error = null;
        var retryMs = 0;
        try
        {
            var reader = new Utf8JsonReader(json);
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName)
                {
                    continue;
                }

                if (reader.ValueTextEquals("reason"u8))
                {
                    reader.Read();
                    reason = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else if (reader.ValueTextEquals("retryMs"u8))
                {
                    reader.Read();
                    retryMs = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var ms) ? ms : 0;
                }
                else if (reader.ValueTextEquals("cursor"u8))
                {
                    reader.Read();
                    cursor = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else if (reader.ValueTextEquals("error"u8))
                {
                    reader.Read();
                    error = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
            }
        }
        catch (JsonException)
        {
        }

        return new ControlFields(reason, retryMs, cursor, error);
    }
}
