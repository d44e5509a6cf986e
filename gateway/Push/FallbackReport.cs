using Gateway.Routing;

namespace Gateway.Push;

/// <summary>
/// Clients say why they fell back on their next request (<c>?fallbackFrom=websocket&amp;fallbackReason=timeout</c>), so
/// the fallback metric counts what networks really do. Reasons are a closed set: anything else is "other".
/// </summary>
internal static class FallbackReport
{
    private static readonly HashSet<string> Reasons = new(StringComparer.Ordinal)
    {
        "refused", "timeout", "no_heartbeat", "error", "closed", "buffered", "forced", "unsupported", "no_delivery",
    };

    public static void Count(HttpContext context, PushRoute route, TransportKind to, Observability.GatewayMetrics metrics)
    {
        var query = context.Request.Query;
        if (!query.TryGetValue("fallbackFrom", out var fromText) || !TransportNames.TryParse(fromText, out var from) || from == to)
        {
            return;
        }

        var reason = query.TryGetValue("fallbackReason", out var r) && Reasons.Contains(r.ToString()) ? r.ToString() : "other";
        metrics.Fallbacks.WithLabels(route.RouteId, from.Name(), to.Name(), reason).Inc();
    }
}
