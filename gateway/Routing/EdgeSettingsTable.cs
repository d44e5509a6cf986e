using System.Runtime.CompilerServices;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Routing;

/// <summary>
/// Maps the exact <see cref="RouteConfig"/> instance YARP runs with to its parsed <c>Edge.*</c> settings (as
/// <see cref="PushRouteTable"/> does for <c>Push.*</c>), so a rejected reload leaves the old settings with the old routes.
/// </summary>
internal sealed class EdgeSettingsTable
{
    private readonly ConditionalWeakTable<RouteConfig, EdgeSettings> _routes = [];

    public void Set(RouteConfig config, EdgeSettings route) => _routes.AddOrUpdate(config, route);

    public EdgeSettings? Get(RouteConfig? config) => config is not null && _routes.TryGetValue(config, out var route) ? route : null;
}
