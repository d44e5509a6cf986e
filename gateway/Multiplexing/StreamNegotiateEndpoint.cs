using System.Text.Json;
using Gateway.Edge.RateLimits;
using Gateway.Lifecycle;
using Gateway.Push;
using Gateway.Routing;
using Gateway.Transports;

namespace Gateway.Multiplexing;

/// <summary>
/// <c>POST /_gateway/stream/negotiate</c> with <c>{"subscriptions":[{"path":...,"cursor":...},...]}</c>: the transports every
/// accepted subscription's route allows (in the first route's order), and a result per path: <c>ok</c> with the newest
/// cursor, or the error code and status a subscribe would get (docs/protocol.md).
/// </summary>
internal sealed class StreamNegotiateEndpoint(
    StreamServices services,
    DrainCoordinator drain,
    EdgeRateLimiter limiter,
    RateLimitRejection rejection,
    Microsoft.Extensions.Options.IOptionsMonitor<Edge.LimitOptions> limits)
{
    public const string Path = "/_gateway/stream/negotiate";

    public async Task HandleAsync(HttpContext http)
    {
        http.Items[PushContext.HandledItem] = true;
        if (!HttpMethods.IsPost(http.Request.Method))
        {
            http.Response.Headers.Allow = "POST";
            await WireErrors.WriteAsync(http, 405, "method_not_allowed", "Negotiate with POST.");
            return;
        }

        if (drain.IsDraining)
        {
            await WireErrors.WriteAsync(http, 503, "draining", "Negotiation refused right now; retry after the advised delay.", retryAfter: drain.RetryAfter());
            return;
        }

        using var lease = limiter.Acquire(new LimitRequest(LimitPolicy.Negotiate, Edge.ClientKey.Of(http, limits.CurrentValue.TrustedProxies), StreamEndpoint.RouteLabel));
        if (!lease.IsAcquired)
        {
            await rejection.WriteAsync(http, lease);
            return;
        }

        var max = services.Limits.MaxSubscriptions;
        var body = await LimitedBody.ReadAsync(http, 4096 + (max * (PushPathResolver.MaxPathLength + 128)));
        if (body is null)
        {
            return;
        }

        var requested = Parse(body, max, out var error);
        if (requested is null)
        {
            await WireErrors.WriteAsync(http, 400, error!.Value.Code, error.Value.Message);
            return;
        }

        var push = services.Push;
        List<string>? transports = null;
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteNumber("version", 1);
            w.WriteStartArray("subscriptions");
            foreach (var path in requested)
            {
                w.WriteStartObject();
                w.WriteString("path", path);
                var target = await services.Resolver.ResolveAsync(http, path, null);
                string? cursor = null;
                if (target.Refusal is null)
                {
                    try
                    {
                        using var topic = await services.Sessions.SubscribeAsync(target.Context!.Subject, http.RequestAborted);
                        cursor = topic.Head.ToString();
                    }
                    catch (Broker.BrokerUnavailableException)
                    {
                        target = services.Resolver.Refuse(target.Context!.Route.RouteId,
                            new SubscriptionRefusal("broker_unavailable", 503, "No change feed for this path right now.", RetryAfter: services.Sessions.Services.RetryAdvice()));
                    }
                }

                if (target.Refusal is { } refusal)
                {
                    w.WriteString("result", "error");
                    w.WriteString("error", refusal.Error);
                    w.WriteNumber("status", refusal.Status);
                    w.WriteString("message", refusal.Message);
                }
                else
                {
                    w.WriteString("result", "ok");
                    w.WriteString("cursor", cursor);
                    w.WriteBoolean("upstream", target.Context!.Route.Upstream is not null);
                    transports = transports is null ? target.Transports! : transports.Where(target.Transports!.Contains).ToList();
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("transports");
            foreach (var t in transports ?? TransportOffer.All(push))
            {
                w.WriteStringValue(t);
            }

            w.WriteEndArray();
            w.WriteNumber("heartbeatMs", (long)push.HeartbeatInterval.TotalMilliseconds);
            w.WriteStartObject("reconnect");
            w.WriteNumber("baseMs", (long)push.ReconnectDelay.TotalMilliseconds / 3);
            w.WriteNumber("maxMs", 30_000);
            w.WriteEndObject();
            w.WriteNumber("pollIntervalMs", (long)push.PollInterval.TotalMilliseconds);
            w.WriteNumber("maxMessageBytes", push.MaxMessageBytes);
            w.WriteNumber("maxSubscriptions", max);
            w.WriteEndObject();
        }

        http.Response.StatusCode = 200;
        http.Response.ContentType = "application/json";
        http.Response.Headers.CacheControl = "no-store";
        await http.Response.Body.WriteAsync(stream.GetBuffer().AsMemory(0, (int)stream.Length), http.RequestAborted);
    }

    /// <summary>The requested paths in order, without duplicates; null with an error for a body that is not the documented shape.</summary>
    private static List<string>? Parse(byte[] body, int max, out (string Code, string Message)? error)
    {
        error = null;
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("subscriptions", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                error = ("invalid_message", "The body is {\"subscriptions\":[{\"path\":\"/...\"},...]}.");
                return null;
            }

            var paths = new List<string>();
            foreach (var item in list.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("path", out var p) || p.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(p.GetString()))
                {
                    error = ("invalid_message", "Every subscription is an object with a \"path\" string.");
                    return null;
                }

                var path = p.GetString()!;
                if (!paths.Contains(path))
                {
                    if (paths.Count == max)
                    {
                        error = ("too_many_subscriptions", $"A stream carries at most {max} subscriptions (Gateway:Multiplex:MaxSubscriptions).");
                        return null;
                    }

                    paths.Add(path);
                }
            }

            return paths;
        }
        catch (JsonException)
        {
            error = ("invalid_json", "The body is not valid JSON.");
            return null;
        }
    }
}
