using Gateway.Broker;
using Gateway.Push.Upstream;
using Gateway.Routing;
using Gateway.Sessions;
using Gateway.Transports;
using Microsoft.Extensions.Options;

namespace Gateway.Push;

/// <summary><c>POST {path}</c>: one client message published to the route's <c>Push.Upstream</c> subject, answered 202.</summary>
internal sealed class UpstreamEndpoint(UpstreamPublisher publisher, Edge.RateLimits.EdgeRateLimiter limiter, IOptionsMonitor<PushOptions> options)
{
    /// <summary>The client-message handler of one WebSocket: the same publisher and the same per-client buckets as <c>POST</c>.</summary>
    public IClientMessages ForWebSocket(PushContext context, TimeProvider time) =>
        new ClientPublisher(publisher, limiter, context, options.CurrentValue.UpstreamRatePerSecond, time);

    public async Task HandleAsync(PushContext context)
    {
        var http = context.Http;
        if (context.Route.Upstream is null)
        {
            publisher.Count(context.Route, "not_allowed");
            http.Response.Headers.Allow = "GET";
            await WireErrors.WriteAsync(http, 405, "upstream_not_allowed", "This route does not accept client messages.");
            return;
        }

        // A browser sends a cross-site POST without preflight only for "simple" content types (text/plain, forms), so
        // requiring application/json makes a page on another site preflight, and the Origin check refuses the rest
        // (docs/security.md, "HTTP upstream").
        if (!OriginPolicy.IsAllowed(http, options.CurrentValue, credentialed: true))
        {
            publisher.Count(context.Route, "origin_not_allowed");
            await WireErrors.WriteAsync(http, 403, "origin_not_allowed", "This Origin may not publish on this route.");
            return;
        }

        if (!IsJson(http.Request.ContentType))
        {
            publisher.Count(context.Route, "unsupported_media_type");
            await WireErrors.WriteAsync(http, 415, "unsupported_media_type", "The body must be sent as Content-Type: application/json.");
            return;
        }

        var data = await LimitedBody.ReadAsync(http, options.CurrentValue.MaxMessageBytes);
        if (data is null)
        {
            return;
        }

        if (!EventEncoding.IsJson(data))
        {
            await WireErrors.WriteAsync(http, 400, "invalid_json", "The body must be one JSON value (in UTF-8).");
            return;
        }

        var outcome = await publisher.PublishAsync(context, http.Request.Headers[GatewayHeaders.EventType], data, http.RequestAborted);
        if (outcome.Error is not null)
        {
            var status = outcome.Error == "broker_unavailable" ? 503 : 400;
            await WireErrors.WriteAsync(http, status, outcome.Error, outcome.Message!, retryAfter: status == 503 ? TimeSpan.FromSeconds(2) : null);
            return;
        }

        http.Response.StatusCode = StatusCodes.Status202Accepted;
        await http.Response.WriteAsJsonAsync(new Transports.Wire.PublishAck("ack", null, outcome.Subject!), Transports.Wire.GatewayJsonContext.Default.PublishAck, "application/json", http.RequestAborted);
    }

    /// <summary><c>application/json</c>, with no charset or <c>utf-8</c> (RFC 8259: JSON between systems is UTF-8).</summary>
    internal static bool IsJson(string? contentType) =>
        Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var media) &&
        media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) &&
        (!media.Charset.HasValue || media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase));
}
