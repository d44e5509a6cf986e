using Gateway.Observability.Tracing;
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

    /// <summary>The publisher's <c>traceparent</c>; not even looked up while tracing is off.</summary>
    public static string? TraceParent(NatsHeaders? headers) =>
        headers is not null && GatewayTracing.Enabled && headers.TryGetValue(GatewayTracing.TraceParentHeader, out var v) ? v.ToString() : null;

    /// <summary>The gateway's headers for a publish; <c>traceparent</c> only when an activity is current (tracing on).</summary>
    public static NatsHeaders Create(OutgoingMessage message, DateTimeOffset now)
    {
        var headers = new NatsHeaders { [GatewayHeaders.PublishedAt] = now.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (!string.IsNullOrEmpty(message.EventType))
        {
            headers[GatewayHeaders.EventType] = message.EventType;
        }

        if (GatewayTracing.CurrentTraceParent() is { } traceParent)
        {
            headers[GatewayTracing.TraceParentHeader] = traceParent;
        }

        return headers;
    }
}
