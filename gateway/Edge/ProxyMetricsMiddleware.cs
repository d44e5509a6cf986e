using System.Collections.Concurrent;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Gateway.Edge;

/// <summary>
/// Counts and times REST requests through YARP, by route and cluster, on metric children cached per route and cluster
/// (push requests never reach the proxy pipeline: the push endpoint answers them, and sessions count them). It is also
/// where the proxy's own 503s (no healthy destination) get their <c>Retry-After</c>: see <see cref="UnavailableRetryAfter"/>.
/// </summary>
internal sealed class ProxyMetricsMiddleware(Observability.GatewayMetrics metrics, TimeProvider time)
{
    private readonly ConcurrentDictionary<(string Route, string Cluster), ProxyRouteMetrics> _routes = new();

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var started = time.GetTimestamp();
        await next(context);

        var response = context.Response;
        UnavailableRetryAfter.Apply(response);
        var feature = context.GetReverseProxyFeature();
        var key = (feature.Route.Config.RouteId, feature.Cluster?.Config.ClusterId ?? "none");
        if (!_routes.TryGetValue(key, out var route))
        {
            route = _routes.GetOrAdd(key, static (k, m) => new ProxyRouteMetrics(m, k.Route, k.Cluster), metrics);
        }

        route.Requests(context.Request.Method, response.StatusCode).Inc();
        route.Duration.Observe(time.GetElapsedTime(started).TotalSeconds);
        if (context.Features.Get<IForwarderErrorFeature>() is { } error)
        {
            route.Error(error.Error.ToString());
        }
    }
}
