using System.Runtime.CompilerServices;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Edge;

/// <summary>
/// What the edge does on one route, read from its metadata once per route configuration (the exact instance YARP runs
/// with, like <see cref="Routing.PushRouteTable"/>), so a request on a route that uses no edge feature only branches.
/// </summary>
internal sealed record EdgeRoute(bool ETags)
{
    /// <summary>Route metadata key: <c>false</c> switches edge ETags off on the route (docs/decisions.md, "Edge ETags").</summary>
    public const string ETagKey = "Edge.ETag";

    private static readonly ConditionalWeakTable<RouteConfig, EdgeRoute> Routes = [];
    private static readonly EdgeRoute Default = new(ETags: true);
    private static readonly EdgeRoute NoETags = new(ETags: false);

    public static EdgeRoute Of(RouteConfig config) => Routes.GetValue(config, static c => Parse(c.Metadata));

    public static EdgeRoute Parse(IReadOnlyDictionary<string, string>? metadata) =>
        metadata is not null && metadata.TryGetValue(ETagKey, out var value) && bool.TryParse(value, out var on) && !on ? NoETags : Default;
}
