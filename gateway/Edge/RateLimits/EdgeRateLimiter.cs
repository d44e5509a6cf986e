using System.Globalization;
using System.Threading.RateLimiting;
using Gateway.Observability;
using Microsoft.Extensions.Options;

namespace Gateway.Edge.RateLimits;

/// <summary>
/// The token buckets behind the named rate-limiter policies, chained per request: the client's bucket (per client key, or
/// per client key and route when the route sets its own rate), the route's bucket (when configured) and the instance's.
/// Owned here rather than by the ASP.NET middleware so WebSocket client messages, which are not requests, spend from the
/// same buckets as HTTP publishes. Rebuilt when <c>Gateway:Limits</c> changes; idle client buckets are dropped by the
/// partitioned limiters, so the number of buckets follows the number of active clients.
/// </summary>
internal sealed class EdgeRateLimiter : IDisposable
{
    private readonly GatewayMetrics _metrics;
    private readonly IDisposable? _subscription;
    private Limiters _limiters;

    public EdgeRateLimiter(IOptionsMonitor<LimitOptions> options, GatewayMetrics metrics)
    {
        _metrics = metrics;
        _limiters = new Limiters(options.CurrentValue);
        _subscription = options.OnChange(o => Interlocked.Exchange(ref _limiters, new Limiters(o)).Dispose());
    }

    /// <summary>Takes a token from each link of the request's chain; a refusal names the link and is counted.</summary>
    public RateLimitLease Acquire(in LimitRequest request)
    {
        var limiters = _limiters;
        var kind = request.Policy == LimitPolicy.Negotiate ? LimitPolicy.Connect : request.Policy;
        var chain = limiters.Chains[(int)kind]!;

        // The in-flight cap first: a client at its cap spends no tokens. Its lease is held until the request ends.
        RateLimitLease? held = null;
        if (limiters.InFlight[(int)request.Policy] is { } inFlight)
        {
            held = inFlight.AttemptAcquire(request.ClientKey);
            if (!held.IsAcquired)
            {
                held.Dispose();
                return Refuse(request, LimitScope.ClientInFlight, TimeSpan.FromSeconds(1));
            }
        }

        var refused = TakeTokens(request, chain);
        if (refused is not null)
        {
            held?.Dispose();
            return refused;
        }

        return held is null ? LimitLeases.Admitted : LimitLeases.InFlight(held, _metrics.ClientRequestsInFlight.WithLabels(PolicyLabel(request.Policy)));
    }

    private RateLimitLease? TakeTokens(in LimitRequest request, Chain chain)
    {
        using (var client = chain.Client.AttemptAcquire(request))
        {
            if (!client.IsAcquired)
            {
                return Refuse(request, LimitScope.Client, RetryAfter(client));
            }
        }

        if (chain.Route is not null)
        {
            using var route = chain.Route.AttemptAcquire(request.RouteId);
            if (!route.IsAcquired)
            {
                return Refuse(request, LimitScope.Route, RetryAfter(route));
            }
        }

        using var global = chain.Global.AttemptAcquire();
        return global.IsAcquired ? null : Refuse(request, LimitScope.Global, RetryAfter(global));
    }

    public void Dispose()
    {
        _subscription?.Dispose();
        _limiters.Dispose();
    }

    /// <summary>The error code and metric reason of a refusal (names kept from the first limiter: dashboards and clients know them).</summary>
    internal static string ReasonOf(LimitPolicy policy, LimitScope scope) => (policy, scope) switch
    {
        (LimitPolicy.Poll, LimitScope.ClientInFlight) => "too_many_client_polls",
        (LimitPolicy.Negotiate, LimitScope.ClientInFlight) => "too_many_client_negotiations",
        (LimitPolicy.Publish, _) => "rate_limited",
        (LimitPolicy.Poll, LimitScope.Client) => "client_poll_rate",
        (LimitPolicy.Poll, LimitScope.Route) => "route_poll_rate",
        (LimitPolicy.Poll, _) => "global_poll_rate",
        (_, LimitScope.Client) => "client_rate",
        (_, LimitScope.Route) => "route_rate",
        _ => "global_rate",
    };

    private RateLimitLease Refuse(in LimitRequest request, LimitScope scope, TimeSpan retryAfter)
    {
        var reason = ReasonOf(request.Policy, scope);
        _metrics.RateLimited.WithLabels(PolicyLabel(request.Policy), ScopeLabel(scope)).Inc();
        if (request.Policy == LimitPolicy.Publish)
        {
            _metrics.UpstreamMessages.WithLabels(request.RouteId, "rate_limited").Inc();
        }
        else
        {
            _metrics.ConnectsRejected.WithLabels(request.RouteId, reason).Inc();
        }

        return LimitLeases.Refused(request.Policy, scope, reason, retryAfter);
    }

    internal static string PolicyLabel(LimitPolicy policy) => policy switch
    {
        LimitPolicy.Connect => "connect",
        LimitPolicy.Negotiate => "negotiate",
        LimitPolicy.Poll => "poll",
        _ => "publish",
    };

    internal static string ScopeLabel(LimitScope scope) => scope switch
    {
        LimitScope.Client => "client",
        LimitScope.Route => "route",
        LimitScope.Global => "global",
        _ => "client_in_flight",
    };

    private static TimeSpan RetryAfter(RateLimitLease lease) =>
        lease.TryGetMetadata(MetadataName.RetryAfter, out var retry) && retry > TimeSpan.Zero ? retry : TimeSpan.FromSeconds(1);

    /// <summary>The three links of one policy's chain.</summary>
    private sealed record Chain(PartitionedRateLimiter<LimitRequest> Client, PartitionedRateLimiter<string>? Route, RateLimiter Global) : IDisposable
    {
        public void Dispose()
        {
            Client.Dispose();
            Route?.Dispose();
            Global.Dispose();
        }
    }

    private sealed class Limiters : IDisposable
    {
        public Limiters(LimitOptions o)
        {
            Chains = new Chain?[4];
            Chains[(int)LimitPolicy.Connect] = Build(o.ConnectRatePerClient, o.ConnectBurstPerClient, o.ConnectRatePerRoute, o.ConnectBurstPerRoute, o.GlobalConnectRate, o.GlobalConnectBurst);
            Chains[(int)LimitPolicy.Poll] = Build(o.PollRatePerClient, o.PollBurstPerClient, o.PollRatePerRoute, o.PollBurstPerRoute, o.GlobalPollRate, o.GlobalPollBurst);
            InFlight = new PartitionedRateLimiter<string>?[4];
            InFlight[(int)LimitPolicy.Poll] = Concurrency(o.MaxPollsInFlightPerClient);
            InFlight[(int)LimitPolicy.Negotiate] = Concurrency(o.MaxNegotiationsInFlightPerClient);
            Chains[(int)LimitPolicy.Publish] = Build(o.PublishRatePerClient, o.PublishBurstPerClient, o.PublishRatePerRoute, o.PublishBurstPerRoute, o.GlobalPublishRate, o.GlobalPublishBurst);
        }

        /// <summary>Indexed by <see cref="LimitPolicy"/> (Connect, Poll, Publish; Negotiate uses Connect's).</summary>
        public Chain?[] Chains { get; }

        /// <summary>Per-client caps on requests in flight, indexed by <see cref="LimitPolicy"/> (polls and negotiations).</summary>
        public PartitionedRateLimiter<string>?[] InFlight { get; }

        public void Dispose()
        {
            foreach (var chain in Chains)
            {
                chain?.Dispose();
            }

            foreach (var cap in InFlight)
            {
                cap?.Dispose();
            }
        }

        // Leases handed out before a reload are released into the old limiter, which is harmless: the new one starts empty.
        private static PartitionedRateLimiter<string> Concurrency(int permits) =>
            PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetConcurrencyLimiter(key, _ => new ConcurrencyLimiterOptions
            {
                PermitLimit = Math.Max(1, permits),
                QueueLimit = 0,
            }));

        private static Chain Build(double rate, int burst, double? routeRate, int? routeBurst, double globalRate, int globalBurst)
        {
            var client = PartitionedRateLimiter.Create<LimitRequest, string>(r =>
                r.Rate is null && r.Burst is null
                    ? RateLimitPartition.GetTokenBucketLimiter(r.ClientKey, _ => Bucket(rate, burst))
                    : RateLimitPartition.GetTokenBucketLimiter(
                        string.Create(CultureInfo.InvariantCulture, $"{r.ClientKey}|{r.RouteId}|{r.Rate}|{r.Burst}"),
                        _ => Bucket(r.Rate ?? rate, r.Burst ?? burst)));
            var route = routeRate is null && routeBurst is null
                ? null
                : PartitionedRateLimiter.Create<string, string>(id => RateLimitPartition.GetTokenBucketLimiter(id, _ => Bucket(routeRate ?? globalRate, routeBurst ?? globalBurst)));
            return new Chain(client, route, new TokenBucketRateLimiter(Bucket(globalRate, globalBurst)));
        }

        // Refill in 10 steps a second so the admitted rate is smooth, not a burst per second.
        private static TokenBucketRateLimiterOptions Bucket(double ratePerSecond, int burst) => new()
        {
            TokenLimit = Math.Max(1, burst),
            TokensPerPeriod = Math.Max(1, (int)Math.Round(ratePerSecond / 10)),
            ReplenishmentPeriod = TimeSpan.FromSeconds(Math.Max(1, (int)Math.Round(ratePerSecond / 10)) / Math.Max(0.001, ratePerSecond)),
            QueueLimit = 0,
            AutoReplenishment = true,
        };
    }
}
