using Gateway.Edge;
using Gateway.Edge.RateLimits;
using Gateway.Observability;
using Microsoft.Extensions.Options;

namespace Gateway.Edge.RateLimits.Tests;

/// <summary>The per-client caps on requests in flight: held until the request ends, per client key, counted.</summary>
public sealed class EdgeRateLimiterTests
{
    [Fact]
    public void Negotiations_InFlightPerClient_AreCapped_ReleasedWhenTheyEnd_OtherClientsUnaffected()
    {
        var metrics = new GatewayMetrics();
        using var limiter = new EdgeRateLimiter(new StaticOptions(new LimitOptions { MaxNegotiationsInFlightPerClient = 2, ConnectBurstPerClient = 100 }), metrics);
        var a = new LimitRequest(LimitPolicy.Negotiate, "ip:192.0.2.1", "r");
        var b = a with { ClientKey = "ip:192.0.2.2" };

        var first = limiter.Acquire(a);
        var second = limiter.Acquire(a);
        using var third = limiter.Acquire(a);
        Assert.True(first.IsAcquired && second.IsAcquired);
        Assert.False(third.IsAcquired);
        Assert.True(LimitLeases.TryGetRefusal(third, out _, out var reason, out var retry));
        Assert.Equal("too_many_client_negotiations", reason);
        Assert.True(retry >= TimeSpan.FromSeconds(1));
        Assert.Equal(2, metrics.ClientRequestsInFlight.WithLabels("negotiate").Value);
        Assert.Equal(1, metrics.RateLimited.WithLabels("negotiate", "client_in_flight").Value);

        using (var other = limiter.Acquire(b))
        {
            Assert.True(other.IsAcquired);
        }

        first.Dispose();
        first.Dispose();
        using var fourth = limiter.Acquire(a);
        Assert.True(fourth.IsAcquired);
        second.Dispose();
        fourth.Dispose();
        Assert.Equal(0, metrics.ClientRequestsInFlight.WithLabels("negotiate").Value);
    }

    [Fact]
    public void Connects_HaveNoInFlightCap_OnlyTheirBuckets()
    {
        using var limiter = new EdgeRateLimiter(new StaticOptions(new LimitOptions { ConnectBurstPerClient = 3, ConnectRatePerClient = 0.01 }), new GatewayMetrics());
        var request = new LimitRequest(LimitPolicy.Connect, "sub:alice", "r");
        var admitted = Enumerable.Range(0, 5).Count(_ => limiter.Acquire(request).IsAcquired);
        Assert.Equal(3, admitted);
    }

    private sealed class StaticOptions(LimitOptions value) : IOptionsMonitor<LimitOptions>
    {
        public LimitOptions CurrentValue => value;

        public LimitOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<LimitOptions, string?> listener) => null;
    }
}
