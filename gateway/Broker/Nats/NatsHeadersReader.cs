using NATS.Client.Core;

namespace Gateway.Broker.Nats;

internal static class NatsHeadersReader
{
    public static string EventType(NatsHeaders? headers) =>
        headers is not null && headers.TryGetValue(GatewayHeaders.EventType, out var v)
            ? GatewayHeaders.SanitizeEventType(v.ToString())
            : GatewayHeaders.DefaultEventType;

    public static DateTimeOffset? PublishedAt(NatsHeaders? headers) =>
        headers is not null && headers.TryGetValue(GatewayHeaders.PublishedAt, out var v) && long.TryParse(v.ToString(), out var ms)
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : null;

    public static NatsHeaders Create(OutgoingMessage message, DateTimeOffset now)
    {
        var headers = new NatsHeaders { [GatewayHeaders.PublishedAt] = now.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (!string.IsNullOrEmpty(message.EventType))
        {
            headers[GatewayHeaders.EventType] = message.EventType;
        }

        return headers;
    }
}
