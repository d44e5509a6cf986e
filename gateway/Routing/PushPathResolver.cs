using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Model;

namespace Gateway.Routing;

/// <summary>
/// Finds the push route a path belongs to without a request for it: a multiplexed stream names its subscriptions by
/// path (docs/protocol.md "One connection, many subscriptions"). It matches against the endpoints YARP runs, with their
/// route patterns, order and precedence, so a subscription lands on the route a single-route request for the same path
/// would reach. Route values come out as the route pattern makes them; the subject is filled from them as usual.
/// </summary>
internal sealed class PushPathResolver(EndpointDataSource endpoints, PushRouteTable routes)
{
    /// <summary>Longer paths are refused before matching: no route pattern the gateway serves needs more.</summary>
    public const int MaxPathLength = 1024;

    private Candidate[]? _candidates;
    private IChangeToken? _token;

    /// <summary>The push route for <paramref name="path"/> on <paramref name="host"/>, or null when no push route has it.</summary>
    public ResolvedPath? Resolve(string path, HostString host)
    {
        if (string.IsNullOrEmpty(path) || path[0] != '/' || path.Length > MaxPathLength)
        {
            return null;
        }

        foreach (var candidate in Candidates())
        {
            if (!candidate.AllowsHost(host))
            {
                continue;
            }

            var values = new RouteValueDictionary();
            if (!candidate.Matcher.TryMatch(new PathString(path), values))
            {
                continue;
            }

            // The trailing catch-all carries "/negotiate" and friends: a subscription is the stream path itself.
            if (values.TryGetValue(PushConfigFilter.OperationRouteValue, out var op) && op is string s && s.Length > 0)
            {
                continue;
            }

            var route = routes.Get(candidate.Config);
            if (route is null || !route.IsStream)
            {
                continue;
            }

            return new ResolvedPath(route, candidate.Config, candidate.Endpoint, values);
        }

        return null;
    }

    private Candidate[] Candidates()
    {
        var current = Volatile.Read(ref _candidates);
        if (current is not null && _token is { HasChanged: false })
        {
            return current;
        }

        // Rebuilt after every configuration change YARP applies (its data source's change token fires).
        var token = endpoints.GetChangeToken();
        var list = new List<Candidate>();
        foreach (var endpoint in endpoints.Endpoints)
        {
            if (endpoint is not RouteEndpoint routeEndpoint || endpoint.Metadata.GetMetadata<RouteModel>() is not { } model)
            {
                continue;
            }

            var config = model.Config;
            if (routes.Get(config) is not { IsStream: true })
            {
                continue;
            }

            // Header and query matchers judge a request; a subscription has none of its own, so such routes are not
            // reachable by path alone (docs/protocol.md).
            if (config.Match.Headers is { Count: > 0 } || config.Match.QueryParameters is { Count: > 0 })
            {
                continue;
            }

            var template = new RouteTemplate(routeEndpoint.RoutePattern);
            list.Add(new Candidate(
                routeEndpoint,
                config,
                new TemplateMatcher(template, new RouteValueDictionary(routeEndpoint.RoutePattern.Defaults)),
                routeEndpoint.Order,
                RoutePrecedence.ComputeInbound(template),
                endpoint.Metadata.GetMetadata<IHostMetadata>()?.Hosts));
        }

        var result = list.OrderBy(c => c.Order).ThenBy(c => c.Precedence).ToArray();
        _token = token;
        Volatile.Write(ref _candidates, result);
        return result;
    }

    private sealed record Candidate(RouteEndpoint Endpoint, RouteConfig Config, TemplateMatcher Matcher, int Order, decimal Precedence, IReadOnlyList<string>? Hosts)
    {
        public bool AllowsHost(HostString host)
        {
            if (Hosts is null || Hosts.Count == 0)
            {
                return true;
            }

            foreach (var pattern in Hosts)
            {
                var name = pattern;
                var colon = name.LastIndexOf(':');
                if (colon > 0 && !name.EndsWith(']'))
                {
                    if (host.Port is { } port && name[(colon + 1)..] != "*" && name[(colon + 1)..] != port.ToString(System.Globalization.CultureInfo.InvariantCulture))
                    {
                        continue;
                    }

                    name = name[..colon];
                }

                if (name == "*" || string.Equals(name, host.Host, StringComparison.OrdinalIgnoreCase) ||
                    (name.StartsWith("*.", StringComparison.Ordinal) && host.Host.EndsWith(name[1..], StringComparison.OrdinalIgnoreCase)))
                {
                    return true;
                }
            }

            return false;
        }
    }
}

/// <summary>A path resolved to its push route: the route's settings, the endpoint YARP runs it as, and its route values.</summary>
internal sealed record ResolvedPath(PushRoute Route, RouteConfig Config, Endpoint Endpoint, RouteValueDictionary Values)
{
    public string? Value(string name) => Values.TryGetValue(name, out var v) ? v?.ToString() : null;
}
