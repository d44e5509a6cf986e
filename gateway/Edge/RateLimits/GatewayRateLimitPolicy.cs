using Gateway.Routing;
using Gateway.Transports;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Model;

namespace Gateway.Edge.RateLimits;

/// <summary>
/// One named policy of the ASP.NET rate-limiting middleware. <c>gw-connect</c>, <c>gw-negotiate</c>, <c>gw-poll</c> and
/// <c>gw-publish</c> limit every request of their endpoint as that one thing; <c>gw-push</c>, the default of push routes,
/// classifies each request (negotiate, stream connect, poll, upstream POST) and leaves the rest (plain REST on a push
/// path, a bad request that is answered 4xx anyway) unlimited. The partition is the request's place in the limits; its
/// limiter is a view of <see cref="EdgeRateLimiter"/>.
/// </summary>
internal sealed class GatewayRateLimitPolicy(
    LimitPolicy? fixedPolicy,
    EdgeRateLimiter limiter,
    PushRouteTable routes,
    IOptionsMonitor<LimitOptions> limits,
    RateLimitRejection rejection) : IRateLimiterPolicy<LimitRequest>
{

    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => rejection.OnRejected;

    public System.Threading.RateLimiting.RateLimitPartition<LimitRequest> GetPartition(HttpContext httpContext)
    {
        var model = httpContext.GetEndpoint()?.Metadata.GetMetadata<RouteModel>();
        var route = routes.Get(model?.Config);
        var policy = fixedPolicy ?? Classify(httpContext, route);
        if (policy is not { } p)
        {
            return System.Threading.RateLimiting.RateLimitPartition.GetNoLimiter(default(LimitRequest));
        }

        var (rate, burst) = p switch
        {
            LimitPolicy.Poll => (route?.PollRate, route?.PollBurst),
            LimitPolicy.Publish => (route?.PublishRate, route?.PublishBurst),
            _ => (route?.ConnectRate, route?.ConnectBurst),
        };
        var key = new LimitRequest(p, ClientKey.Of(httpContext, limits.CurrentValue.TrustedProxies), model?.Config.RouteId ?? "other", rate, burst);
        return System.Threading.RateLimiting.RateLimitPartition.Get(key, k => new LimiterView(limiter, k));
    }

    /// <summary>What a request on a push route costs, as the push endpoint will serve it; null when it is not limited.</summary>
    internal static LimitPolicy? Classify(HttpContext http, PushRoute? route)
    {
        if (route is null || !route.IsStream)
        {
            return null;
        }

        var operation = http.GetRouteValue(PushConfigFilter.OperationRouteValue) as string;
        if (!string.IsNullOrEmpty(operation))
        {
            return operation == "negotiate" ? LimitPolicy.Negotiate : null;
        }

        if (HttpMethods.IsPost(http.Request.Method))
        {
            return LimitPolicy.Publish;
        }

        if (!TransportSelector.IsSubscribe(http) || TransportSelector.Select(http, out var kind) != TransportSelection.Selected)
        {
            return null;
        }

        return kind is TransportKind.WebSocket or TransportKind.Sse ? LimitPolicy.Connect : LimitPolicy.Poll;
    }
}
