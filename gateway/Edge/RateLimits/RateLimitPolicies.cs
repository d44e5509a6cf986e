using Gateway.Routing;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Gateway.Edge.RateLimits;

/// <summary>Registers the gateway's named policies with the ASP.NET rate-limiting middleware (<c>AddRateLimiter</c>).</summary>
internal sealed class RateLimitPolicies(
    EdgeRateLimiter limiter,
    PushRouteTable routes,
    IOptionsMonitor<LimitOptions> limits,
    RateLimitRejection rejection) : IConfigureOptions<RateLimiterOptions>
{
    public void Configure(RateLimiterOptions options)
    {
        options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        options.OnRejected = rejection.OnRejected;
        options.AddPolicy(RateLimitPolicyNames.Push, Policy(null));
        options.AddPolicy(RateLimitPolicyNames.Connect, Policy(LimitPolicy.Connect));
        options.AddPolicy(RateLimitPolicyNames.Negotiate, Policy(LimitPolicy.Negotiate));
        options.AddPolicy(RateLimitPolicyNames.Poll, Policy(LimitPolicy.Poll));
        options.AddPolicy(RateLimitPolicyNames.Publish, Policy(LimitPolicy.Publish));
    }

    private GatewayRateLimitPolicy Policy(LimitPolicy? policy) => new(policy, limiter, routes, limits, rejection);
}
