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
internal sealed class EdgeETagMiddleware(Observability.GatewayMetrics metrics, EdgeCache cache)
{
    /// <summary>Bodies above 1 MiB stream through untouched: hashing them would cost more memory than it saves bandwidth.</summary>
    public const int MaxBufferedBytes = 1024 * 1024;

    public async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        if (!HttpMethods.IsGet(context.Request.Method) || context.Items.ContainsKey(Transports.PushMiddleware.HandledItem))
        {
            await next();
            return;
        }

        var routeId = context.GetReverseProxyFeature().Route.Config.RouteId;
        var ifNoneMatch = context.Request.Headers.IfNoneMatch.ToString();

        // Edge-cached polling: a representation known unchanged since a change event is answered without the backend.
        if (ifNoneMatch.Length > 0 && cache.TryGetCurrent(context.Request.Path, out var known) && Matches(ifNoneMatch, known))
        {
            metrics.EdgeNotModified.WithLabels(routeId, "cache").Inc();
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            context.Response.Headers.ETag = known;
            context.Items[Transports.PushMiddleware.HandledItem + ".cached"] = true;
            return;
        }

        var originalBody = context.Response.Body;
        var originalFeature = context.Features.Get<IHttpResponseBodyFeature>()!;
        var buffering = new BufferingBody(originalBody, MaxBufferedBytes);
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

            cache.Observe(context.Request.Path, etag);
            if (ifNoneMatch.Length > 0 && Matches(ifNoneMatch, etag))
            {
                metrics.EdgeNotModified.WithLabels(routeId, "edge").Inc();
                response.StatusCode = StatusCodes.Status304NotModified;
                response.Headers.ContentLength = null;
                response.Headers.Remove(HeaderNames.ContentType);
                return;
            }
        }

        if (!buffering.Buffered.IsEmpty)
        {
            response.Headers.ContentLength = buffering.Buffered.Length;
            await originalBody.WriteAsync(buffering.Buffered, context.RequestAborted);
        }
    }

    /// <summary>A strong ETag: the first 128 bits of the body's SHA-256, base64url.</summary>
    public static string Compute(ReadOnlySpan<byte> body)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(body, hash);
        return "\"" + Convert.ToBase64String(hash[..16]).TrimEnd('=').Replace('+', '-').Replace('/', '_') + "\"";
    }

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
