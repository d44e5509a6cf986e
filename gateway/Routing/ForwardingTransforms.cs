using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Routing;

/// <summary>
/// What every proxied request and response goes through (docs/security.md, "Forwarding"): a push client's
/// <c>access_token</c> never reaches a backend, and an answer to an authenticated request
/// is never stored by a shared cache. YARP's defaults already replace client-written <c>X-Forwarded-*</c> with the
/// gateway's own values and drop <c>Forwarded</c> (proved by the forwarding tests).
/// </summary>
internal static class ForwardingTransforms
{
    public static void Apply(TransformBuilderContext context)
    {
        // Only a request that carries the parameter pays for parsing its query (the plain transform parses every one).
        context.AddRequestTransform(static transform =>
        {
            if (transform.HttpContext.Request.QueryString.Value?.Contains("access_token", StringComparison.OrdinalIgnoreCase) == true)
            {
                transform.Query.Collection.Remove("access_token");
            }

            return ValueTask.CompletedTask;
        });
        context.AddResponseTransform(static response =>
        {
            var http = response.HttpContext;
            if (http.User.Identity?.IsAuthenticated == true || http.Request.Headers.ContainsKey(HeaderNames.Authorization))
            {
                MakePrivate(http.Response.Headers);
            }

            return ValueTask.CompletedTask;
        });
    }

    /// <summary>Keeps <c>no-store</c>; otherwise drops <c>public</c>/<c>s-maxage</c> and adds <c>private</c>; adds <c>Vary: Authorization</c>.</summary>
    internal static void MakePrivate(IHeaderDictionary headers)
    {
        var directives = headers.CacheControl.ToString()
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Where(d => !d.Equals("public", StringComparison.OrdinalIgnoreCase) && !d.StartsWith("s-maxage", StringComparison.OrdinalIgnoreCase))
            .ToList();
        if (!directives.Any(d => d.Equals("no-store", StringComparison.OrdinalIgnoreCase) || d.Equals("private", StringComparison.OrdinalIgnoreCase)))
        {
            directives.Insert(0, "private");
        }

        headers.CacheControl = string.Join(", ", directives);
        if (!headers.Vary.ToString().Contains(HeaderNames.Authorization, StringComparison.OrdinalIgnoreCase))
        {
            headers.Append(HeaderNames.Vary, HeaderNames.Authorization);
        }
    }
}
