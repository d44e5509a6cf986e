using System.Runtime.CompilerServices;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Routing;

/// <summary>
/// Maps the exact <see cref="RouteConfig"/> instance YARP runs with to its parsed push settings. Keyed by instance, so a
/// reload that YARP rejects leaves the old routes, and their old settings, in force together.
/// </summary>
internal sealed class PushRouteTable
{
    private readonly ConditionalWeakTable<RouteConfig, PushRoute> _routes = [];

    public void Set(RouteConfig config, PushRoute route) => _routes.AddOrUpdate(config, route);

    public PushRoute? Get(RouteConfig? config) => config is not null && _routes.TryGetValue(config, out var route) ? route : null;
}
