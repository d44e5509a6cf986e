using System.Text.Json;

namespace EdgeGateway.Client.Wire;

/// <summary>SSE <c>data</c> is JSON text on this gateway (a non-JSON payload arrives as a JSON string literal).</summary>
internal static class EventData
{
    public static JsonElement Parse(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            // Another server's stream: keep the text rather than lose the event.
            return JsonSerializer.SerializeToElement(text, ClientJsonContext.Default.String);
        }
    }

    public static T? TryDeserialize<T>(string text, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(text, type);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
