using System.Buffers.Text;
using System.IO.Hashing;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Model;

namespace Gateway.Edge;

/// <summary>
/// Strong ETags at the edge: a proxied GET answered 200 without an ETag gets one computed from the body, and an
/// <c>If-None-Match</c> that matches the current representation (edge or backend ETag) is answered 304 here, so the
/// client saves the body even when the backend ignores conditional requests. Routes with <c>Edge.ETag: false</c> and
/// requests other than GET pass straight through, without buffering or an async step of their own.
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

    public Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (!HttpMethods.IsGet(context.Request.Method))
        {
            return next(context);
        }

        var routeConfig = context.GetReverseProxyFeature().Route.Config;
        if (!EdgeRoute.Of(routeConfig).ETags)
        {
            return next(context);
        }

        var ifNoneMatch = context.Request.Headers.IfNoneMatch.ToString();
        return routes.Get(routeConfig)?.Notify is { } notify
            ? ServeCachedAsync(context, next, routeConfig.RouteId, ifNoneMatch, notify)
            : ServeAsync(context, next, routeConfig.RouteId, ifNoneMatch, path: null, head: null, owner: null);
    }

    /// <summary>
    /// A route whose resource has a change subject (Push.Notify) can answer repeated polls from the edge, while that
    /// subject's feed is open and the broker connected. A GET never opens a feed by itself (a client requesting random
    /// ids must not open subscriptions); a 200 warms one for the next poll.
    /// </summary>
    private async Task ServeCachedAsync(HttpContext context, RequestDelegate next, string routeId, string ifNoneMatch, Routing.SubjectTemplate notify)
    {
        Sessions.Topic? topic = null;
        string? head = null;
        string? subject = null;
        string? path = null;
        var owner = Owner(context);
        if (owner is not null && notify.TryFill(name => context.GetRouteValue(name)?.ToString(), out var filled, out _))
        {
            subject = filled;
            path = context.Request.Path.Value ?? "/";
            if (broker.IsConnected && host.TryAcquireOpen(subject, out topic))
            {
                head = topic.Head.ToString();
            }
        }

        try
        {
            await ServeAsync(context, next, routeId, ifNoneMatch, path, head, owner);
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

    private async Task ServeAsync(HttpContext context, RequestDelegate next, string routeId, string ifNoneMatch, string? path, string? head, string? owner)
    {
        if (head is not null && ifNoneMatch.Length > 0 && cache.TryGetCurrent(path!, head, owner!, out var known) && Matches(ifNoneMatch, known))
        {
            metrics.EdgeNotModified.WithLabels(routeId, "cache").Inc();
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            context.Response.Headers.ETag = known;

            // Answered here, so the proxy's response transform never ran: one user's 304 must not be stored by a shared
            // cache either (docs/security.md, "Shared caches").
            if (owner!.Length > 0)
            {
                Routing.ForwardingTransforms.MakePrivate(context.Response.Headers);
            }

            return;
        }

        var response = context.Response;
        var originalFeature = context.Features.Get<IHttpResponseBodyFeature>()!;
        using var buffering = new BufferingBody(originalFeature, response, MaxBufferedBytes);
        context.Features.Set<IHttpResponseBodyFeature>(buffering);
        try
        {
            await next(context);
        }
        finally
        {
            context.Features.Set(originalFeature);
        }

        if (buffering.Overflowed)
        {
            return;
        }

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
                cache.Set(path!, etag, head, owner!);
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
            cache.Set(path!, response.Headers.ETag.ToString(), head, owner!);
        }

        if (!buffering.Buffered.IsEmpty)
        {
            response.Headers.ContentLength = buffering.Buffered.Length;
            await originalFeature.Stream.WriteAsync(buffering.Buffered, context.RequestAborted);
        }
    }

    /// <summary>
    /// Whose answer an edge-cache entry is: empty for an anonymous request, <c>sub:</c> and the token's subject for an
    /// authenticated one; null (no edge cache) for a request with credentials but no subject to tell users apart by.
    /// </summary>
    private static string? Owner(HttpContext context)
    {
        var authenticated = context.User.Identity?.IsAuthenticated == true;
        if (!authenticated && !context.Request.Headers.ContainsKey(HeaderNames.Authorization))
        {
            return string.Empty;
        }

        var sub = authenticated ? context.User.FindFirst("sub")?.Value ?? context.User.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value : null;
        return string.IsNullOrEmpty(sub) ? null : "sub:" + sub;
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

    /// <summary>
    /// A strong ETag: the body's 128-bit XXH3 hash, base64url, quoted. A validator needs to tell representations apart,
    /// not to resist an attacker (the backend chooses the body), so a fast non-cryptographic hash is enough.
    /// </summary>
    public static string Compute(ReadOnlySpan<byte> body)
    {
        Span<byte> hash = stackalloc byte[16];
        XxHash128.Hash(body, hash);
        return Format(hash);
    }

    /// <summary>A 128-bit body hash (<see cref="XxHash128"/>, whole or incremental) as a strong ETag: base64url, quoted.</summary>
    public static string Format(ReadOnlySpan<byte> hash)
    {
        Span<char> chars = stackalloc char[24];
        var written = Base64Url.EncodeToChars(hash[..16], chars[1..]);
        chars[0] = '"';
        chars[written + 1] = '"';
        return new string(chars[..(written + 2)]);
    }

    /// <summary>RFC 9110 section 13.1.2: If-None-Match uses weak comparison, and <c>*</c> matches any current representation.</summary>
    public static bool Matches(string ifNoneMatch, string etag)
    {
        var target = Opaque(etag);
        var rest = ifNoneMatch.AsSpan();
        while (!rest.IsEmpty)
        {
            var comma = rest.IndexOf(',');
            var candidate = (comma < 0 ? rest : rest[..comma]).Trim();
            rest = comma < 0 ? [] : rest[(comma + 1)..];
            if (candidate is "*" || (!candidate.IsEmpty && Opaque(candidate).SequenceEqual(target)))
            {
                return true;
            }
        }

        return false;
    }

    private static ReadOnlySpan<char> Opaque(ReadOnlySpan<char> tag) => tag.StartsWith("W/", StringComparison.Ordinal) ? tag[2..] : tag;
}
