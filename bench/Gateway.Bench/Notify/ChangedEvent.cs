using System.Text.Json;

namespace Gateway.Bench.Notify;

/// <summary>
/// The data of a <c>changed</c> event: <c>{"method":"PUT","path":"/items/1","status":200,"etag":"\"17\""}</c> (the
/// gateway's notify-on-write payload; the baseline publishes the same shape). <see cref="Key"/> is the ETag's number.
/// </summary>
internal readonly record struct ChangedEvent(string? Method, string? Path, int Status, long Key)
{
    public bool Matches(string method, string path) => Method == method && Path == path && Status == 200 && Key >= 0;

    public static ChangedEvent Parse(ReadOnlySpan<byte> json)
    {
        string? method = null, path = null, etag = null;
        var status = 0;
        try
        {
            var reader = new Utf8JsonReader(json);
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1)
                {
                    continue;
                }

                if (reader.ValueTextEquals("method"u8))
                {
                    reader.Read();
                    method = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else if (reader.ValueTextEquals("path"u8))
                {
                    reader.Read();
                    path = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else if (reader.ValueTextEquals("status"u8))
                {
                    reader.Read();
                    status = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var s) ? s : 0;
                }
                else if (reader.ValueTextEquals("etag"u8))
                {
                    reader.Read();
                    etag = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
            }
        }
        catch (JsonException)
        {
        }

        return new ChangedEvent(method, path, status, KeyOf(etag));
    }

    /// <summary>The number inside an ETag (<c>"17"</c> or <c>W/"17"</c>); -1 if there is none.</summary>
    public static long KeyOf(string? etag)
    {
        var text = etag?.Replace("W/", "", StringComparison.Ordinal).Trim('"');
        return long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var key) ? key : -1;
    }
}
