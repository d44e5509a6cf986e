using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Gateway.Edge;

/// <summary>Counts and times REST requests through YARP, by route and cluster; push requests are counted by sessions instead.</summary>
internal sealed class ProxyMetricsMiddleware(Observability.GatewayMetrics metrics, TimeProvider time)
{
    public async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var started = time.GetTimestamp();
        await next();
        if (context.Items.ContainsKey(Routing.PushContext.HandledItem))
        {
            return;
        }

        var feature = context.GetReverseProxyFeature();
        var route = feature.Route.Config.RouteId;
        var cluster = feature.Cluster?.Config.ClusterId ?? "none";
        metrics.ProxyRequests.WithLabels(route, cluster, Observability.MethodLabel.Of(context.Request.Method), context.Response.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();
        metrics.ProxyDuration.WithLabels(route, cluster).Observe(time.GetElapsedTime(started).TotalSeconds);
        if (context.Features.Get<IForwarderErrorFeature>() is { } error)
        {
            metrics.ProxyErrors.WithLabels(route, cluster, error.Error.ToString()).Inc();
        }
    }
}
