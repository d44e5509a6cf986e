using Yarp.ReverseProxy.Configuration;

namespace Gateway.Routing;

/// <summary>A request on a push route, its route settings and the subject its route values made.</summary>
internal sealed record PushContext(HttpContext Http, PushRoute Route, RouteConfig RouteConfig, string Subject)
{
    /// <summary>The <c>HttpContext.Items</c> key the push endpoint sets on requests it answered (the edge skips them).</summary>
    public const string HandledItem = "gw.push";

    /// <summary>
    /// The route values of a subscription on a multiplexed stream, whose path is not the request's (docs/protocol.md); null
    /// for a single-route request, whose route values are the request's own.
    /// </summary>
    public RouteValueDictionary? Values { get; init; }

    /// <summary>One route value of this push request or subscription.</summary>
    public string? RouteValue(string name) =>
        Values is { } values ? (values.TryGetValue(name, out var v) ? v?.ToString() : null) : Http.GetRouteValue(name)?.ToString();

    /// <summary>The client key limits are kept by (set by admission).</summary>
    public string? ClientKey { get; set; }

    /// <summary>When the caller's token expires (its <c>exp</c> claim), if it authenticated: streams end then.</summary>
    public DateTimeOffset? TokenExpiry =>
        Http.User.FindFirst("exp")?.Value is { } exp && long.TryParse(exp, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    /// <summary>The resume point the client sent, by whichever name its transport uses.</summary>
    public string? CursorText
    {
        get
        {
            var request = Http.Request;
            if (request.Headers.TryGetValue("Last-Event-ID", out var header) && !string.IsNullOrEmpty(header))
            {
                return header.ToString();
            }

            if (request.Query.TryGetValue("cursor", out var cursor) && !string.IsNullOrEmpty(cursor))
            {
                return cursor.ToString();
            }

            return request.Query.TryGetValue("lastEventId", out var last) && !string.IsNullOrEmpty(last) ? last.ToString() : null;
        }
    }
}
