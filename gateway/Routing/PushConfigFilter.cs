using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Routing;

/// <summary>
/// Validates every route and cluster as YARP loads them. YARP collects the exceptions of all routes: at start-up the
/// gateway refuses to start with the whole list, on reload the previous configuration stays in force and the error is
/// logged. Push routes also get a trailing catch-all so <c>{path}/negotiate</c> reaches the same route.
/// </summary>
internal sealed partial class PushConfigFilter(
    PushRouteTable table,
    EdgeSettingsTable edgeTable,
    IOptionsMonitor<PushOptions> options,
    Observability.GatewayMetrics metrics,
    ILogger<PushConfigFilter> logger) : IProxyConfigFilter
{
    /// <summary>The route value that carries the operation after the stream path ("" or "negotiate").</summary>
    public const string OperationRouteValue = "__gwop";

    public ValueTask<ClusterConfig> ConfigureClusterAsync(ClusterConfig cluster, CancellationToken cancel)
    {
        var errors = new List<string>();
        if (cluster.Destinations is null || cluster.Destinations.Count == 0)
        {
            errors.Add($"cluster '{cluster.ClusterId}': no Destinations.");
        }
        else
        {
            foreach (var (name, destination) in cluster.Destinations)
            {
                if (!Uri.TryCreate(destination.Address, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                {
                    errors.Add($"cluster '{cluster.ClusterId}', destination '{name}': Address '{destination.Address}' is not an absolute http(s) URL.");
                }
            }
        }

        Fail(errors);
        return ValueTask.FromResult(cluster);
    }

    public ValueTask<RouteConfig> ConfigureRouteAsync(RouteConfig route, ClusterConfig? cluster, CancellationToken cancel)
    {
        var errors = new List<string>();
        var push = PushRouteParser.Parse(route, options.CurrentValue, errors);
        var edge = EdgeSettingsParser.Parse(route, errors);

        if (!string.IsNullOrEmpty(route.ClusterId) && cluster is null)
        {
            errors.Add($"route '{route.RouteId}': ClusterId '{route.ClusterId}' names no cluster in ReverseProxy:Clusters.");
        }

        var hasSubject = route.Metadata?.ContainsKey(PushMetadataKeys.Subject) == true;
        if (string.IsNullOrEmpty(route.ClusterId) && !hasSubject)
        {
            errors.Add($"route '{route.RouteId}': no ClusterId; only push routes (Push.Subject) may go without a backend.");
        }

        if (hasSubject && string.IsNullOrEmpty(route.Match?.Path))
        {
            errors.Add($"route '{route.RouteId}': a push route needs Match.Path.");
        }

        Fail(errors);

        if (edge is not null)
        {
            edgeTable.Set(route, edge);
        }

        if (push is null)
        {
            return ValueTask.FromResult(route);
        }

        var result = route;
        if (push.IsStream)
        {
            var path = route.Match!.Path!.TrimEnd('/');
            result = route with
            {
                Match = route.Match with { Path = $"{path}/{{**{OperationRouteValue}}}" },

                // The gateway's limits unless the operator named a policy (or Default/Disable) for this route.
                RateLimiterPolicy = route.RateLimiterPolicy ?? RateLimitPolicyNames.Push,
            };
        }

        table.Set(result, push);
        return ValueTask.FromResult(result);
    }

    private void Fail(List<string> errors)
    {
        if (errors.Count == 0)
        {
            return;
        }

        metrics.ConfigErrors.Inc(errors.Count);
        foreach (var error in errors)
        {
            Log.InvalidRoute(logger, error);
        }

        throw new RouteConfigurationException(errors);
    }

    private static partial class Log
    {
        [LoggerMessage(1200, LogLevel.Error, "Invalid proxy configuration: {Error}")]
        public static partial void InvalidRoute(ILogger logger, string error);
    }
}
