using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Model;

namespace Gateway.Edge;

/// <summary>
/// Strong ETags at the edge: a proxied GET answered 200 without an ETag gets one computed from the body, and an
/// <c>If-None-Match</c> that matches the current representation (edge or backend ETag) is answered 304 here, so the
/// client saves the body even when the backend ignores conditional requests.
/// </summary>
internal sealed class EdgeETagMiddleware(
    Observability.GatewayMetrics metrics,
    EdgeCache cache,
    Routing.PushRouteTable routes,
    Sessions.SessionHost host,
    Broker.IEventBroker broker)
{
    /// <summary>Bodies above 1 MiB stream through untouched: hashing them would cost more memory than it saves bandwidth.</summary>
    public const int MaxBufferedBytes = 1024 * 1024;

    public async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        if (!HttpMethods.IsGet(context.Request.Method) || context.Items.ContainsKey(Routing.PushContext.HandledItem))
        {
            await next();
            return;
        }

        var routeConfig = context.GetReverseProxyFeature().Route.Config;
        var routeId = routeConfig.RouteId;
        var ifNoneMatch = context.Request.Headers.IfNoneMatch.ToString();
        var path = context.Request.Path.Value ?? "/";

        // A route whose resource has a change subject (Push.Notify) can answer repeated polls from the edge, while that
        // subject's feed is open and the broker connected. A GET never opens a feed by itself (a client requesting
        // random ids must not open subscriptions); a 200 warms one for the next poll.
        Sessions.Topic? topic = null;
        string? head = null;
        string? subject = null;
        var push = routes.Get(routeConfig);
        if (push?.Notify is { } notify && notify.TryFill(name => context.GetRouteValue(name)?.ToString(), out var filled, out _))
        {
            subject = filled;
            if (broker.IsConnected && host.TryAcquireOpen(subject, out topic))
            {
                head = topic.Head.ToString();
            }
        }

        try
        {
            await ServeAsync(context, next, routeId, ifNoneMatch, path, head);
            if (subject is not null && topic is null && context.Response.StatusCode == StatusCodes.Status200OK)
            {
                host.Warm(subject);
            }
        }
        finally
        {
            if (topic is not null)
            {
                host.Release(topic);
            }
        }
    }

    private async Task ServeAsync(HttpContext context, Func<Task> next, string routeId, string ifNoneMatch, string path, string? head)
    {
        if (head is not null && ifNoneMatch.Length > 0 && cache.TryGetCurrent(path, head, out var known) && Matches(ifNoneMatch, known))
        {
            metrics.EdgeNotModified.WithLabels(routeId, "cache").Inc();
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            context.Response.Headers.ETag = known;
            return;
        }

        var originalBody = context.Response.Body;
        var originalFeature = context.Features.Get<IHttpResponseBodyFeature>()!;
        var buffering = new BufferingBody(originalBody, MaxBufferedBytes, () => IsStreaming(context.Response));
        context.Features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(buffering, originalFeature));
        context.Response.Body = buffering;
        try
        {
            await next();
        }
        finally
        {
            context.Features.Set(originalFeature);
            context.Response.Body = originalBody;
        }

        if (buffering.Overflowed)
        {
            return;
        }

        var response = context.Response;
        if (response.StatusCode == StatusCodes.Status200OK && !response.HasStarted)
        {
            var etag = response.Headers.ETag.ToString();
            if (string.IsNullOrEmpty(etag))
            {
                etag = Compute(buffering.Buffered.Span);
                response.Headers.ETag = etag;
            }

            if (head is not null)
            {
                cache.Set(path, etag, head);
            }
            if (ifNoneMatch.Length > 0 && Matches(ifNoneMatch, etag))
            {
                metrics.EdgeNotModified.WithLabels(routeId, "edge").Inc();
                response.StatusCode = StatusCodes.Status304NotModified;
                response.Headers.ContentLength = null;
                response.Headers.Remove(HeaderNames.ContentType);
                return;
            }
        }

        // A backend that answered the conditional GET itself (304 with its ETag) confirms the client's copy is current.
        if (response.StatusCode == StatusCodes.Status304NotModified && head is not null && response.Headers.ETag.Count > 0)
        {
            cache.Set(path, response.Headers.ETag.ToString(), head);
        }

        if (!buffering.Buffered.IsEmpty)
        {
            response.Headers.ContentLength = buffering.Buffered.Length;
            await originalBody.WriteAsync(buffering.Buffered, context.RequestAborted);
        }
    }

    /// <summary>Responses that are streams of messages, not documents: passed through as they come.</summary>
    public static bool IsStreaming(HttpResponse response)
    {
        var type = response.ContentType ?? string.Empty;
        return type.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase) ||
            type.StartsWith("application/x-ndjson", StringComparison.OrdinalIgnoreCase) ||
            type.StartsWith("application/stream+json", StringComparison.OrdinalIgnoreCase) ||
            type.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase) ||
            string.Equals(response.Headers["X-Accel-Buffering"], "no", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A strong ETag: the first 128 bits of the body's SHA-256, base64url.</summary>
    public static string Compute(ReadOnlySpan<byte> body)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(body, hash);
        return Format(hash);
    }

    /// <summary>A SHA-256 of a body as a strong ETag (the first 16 bytes, base64url).</summary>
    public static string Format(ReadOnlySpan<byte> sha256) =>
        "\"" + Convert.ToBase64String(sha256[..16]).TrimEnd('=').Replace('+', '-').Replace('/', '_') + "\"";

    /// <summary>RFC 9110 section 13.1.2: If-None-Match uses weak comparison, and <c>*</c> matches any current representation.</summary>
    public static bool Matches(string ifNoneMatch, string etag)
    {
        var target = Opaque(etag);
        foreach (var candidate in ifNoneMatch.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (candidate == "*" || Opaque(candidate) == target)
            {
                return true;
            }
        }

        return false;
    }

    private static string Opaque(string tag) => tag.StartsWith("W/", StringComparison.Ordinal) ? tag[2..] : tag;
}
