using Gateway.Routing;

namespace Gateway.Push;

/// <summary>
/// WebSocket and credentialed SSE check <c>Origin</c>: browsers send cookies cross-site on these, and neither is covered
/// by CORS preflight (cross-site WebSocket hijacking); HTTP upstream publishes check it always. No Origin (non-browser
/// clients) passes; the gateway's own origin (same scheme and host) passes; anything else must be listed in
/// <c>Gateway:Push:AllowedOrigins</c> with its scheme. <c>http://</c> and <c>https://</c> on one host are two origins
/// (a page served over plain HTTP can be rewritten by anyone on the path), so a scheme-swapped Origin is refused.
/// </summary>
internal static class OriginPolicy
{
    public static bool IsAllowed(HttpContext context, PushOptions options, bool credentialed)
    {
        if (!credentialed || !context.Request.Headers.TryGetValue("Origin", out var origin) || string.IsNullOrEmpty(origin))
        {
            return true;
        }

        var value = origin.ToString();
        if (Uri.TryCreate(value, UriKind.Absolute, out var uri) && string.Equals(uri.Scheme, context.Request.Scheme, StringComparison.OrdinalIgnoreCase) &&
            string.Equals(uri.Authority, context.Request.Host.Value, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        foreach (var allowed in options.AllowedOrigins)
        {
            if (allowed == "*" || string.Equals(allowed.TrimEnd('/'), value.TrimEnd('/'), StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A request carries credentials a cross-site page could ride on.</summary>
    public static bool IsCredentialed(HttpContext context) =>
        context.Request.Headers.ContainsKey("Cookie") || context.Request.Headers.ContainsKey("Authorization") || context.Request.Query.ContainsKey("access_token");
}
