using System.Threading.RateLimiting;
using Gateway.Routing;
using Microsoft.Extensions.Options;

namespace Gateway.Edge;

/// <summary>
/// Token buckets guarding new push connections and negotiations (per client key and one global), and polls (per client
/// key, a separate budget). Rebuilt when the configuration changes. Idle per-client buckets are dropped by the
/// partitioned limiter, so the number of buckets follows the number of active clients.
/// </summary>
internal sealed class ConnectLimiter : IDisposable
{
    private readonly IOptionsMonitor<LimitOptions> _options;
    private readonly IDisposable? _subscription;
    private Limiters _limiters;

    public ConnectLimiter(IOptionsMonitor<LimitOptions> options)
    {
        _options = options;
        _limiters = new Limiters(options.CurrentValue);
        _subscription = options.OnChange(o =>
        {
            var old = Interlocked.Exchange(ref _limiters, new Limiters(o));
            old.Dispose();
        });
    }

    /// <summary>Null when admitted; otherwise the reason (a bounded label) and the advised delay.</summary>
    public Rejection? TryAcquire(PushContext context, bool isPoll)
    {
        var limiters = _limiters;
        var key = context.ClientKey ??= ClientKey.Of(context.Http, _options.CurrentValue.TrustedProxies);
        var route = context.Route;
        if (isPoll)
        {
            using var poll = limiters.Poll.AttemptAcquire((key, route.RouteId, route.PollRate, route.PollBurst));
            return poll.IsAcquired ? null : new Rejection("client_poll_rate", RetryAfter(poll));
        }

        using var client = limiters.Client.AttemptAcquire((key, route.RouteId, route.ConnectRate, route.ConnectBurst));
        if (!client.IsAcquired)
        {
            return new Rejection("client_rate", RetryAfter(client));
        }

        using var global = limiters.Global.AttemptAcquire();
        return global.IsAcquired ? null : new Rejection("global_rate", RetryAfter(global));
    }

    public void Dispose()
    {
        _subscription?.Dispose();
        _limiters.Dispose();
    }

    private static TimeSpan RetryAfter(RateLimitLease lease) =>
        lease.TryGetMetadata(MetadataName.RetryAfter, out var retry) && retry > TimeSpan.Zero ? retry : TimeSpan.FromSeconds(1);

    internal readonly record struct Rejection(string Reason, TimeSpan RetryAfter);

    private sealed class Limiters : IDisposable
    {
        public Limiters(LimitOptions o)
        {
            Global = new TokenBucketRateLimiter(Bucket(o.GlobalConnectRate, o.GlobalConnectBurst));
            Client = PartitionedRateLimiter.Create<(string Key, string Route, double? Rate, int? Burst), string>(p =>
                p.Rate is null && p.Burst is null
                    ? RateLimitPartition.GetTokenBucketLimiter(p.Key, _ => Bucket(o.ConnectRatePerClient, o.ConnectBurstPerClient))
                    : RateLimitPartition.GetTokenBucketLimiter(p.Key + "|" + p.Route, _ => Bucket(p.Rate ?? o.ConnectRatePerClient, p.Burst ?? o.ConnectBurstPerClient)));
            Poll = PartitionedRateLimiter.Create<(string Key, string Route, double? Rate, int? Burst), string>(p =>
                p.Rate is null && p.Burst is null
                    ? RateLimitPartition.GetTokenBucketLimiter(p.Key, _ => Bucket(o.PollRatePerClient, o.PollBurstPerClient))
                    : RateLimitPartition.GetTokenBucketLimiter(p.Key + "|" + p.Route, _ => Bucket(p.Rate ?? o.PollRatePerClient, p.Burst ?? o.PollBurstPerClient)));
        }

        public TokenBucketRateLimiter Global { get; }

        public PartitionedRateLimiter<(string Key, string Route, double? Rate, int? Burst)> Client { get; }

        public PartitionedRateLimiter<(string Key, string Route, double? Rate, int? Burst)> Poll { get; }

        public void Dispose()
        {
            Global.Dispose();
            Client.Dispose();
            Poll.Dispose();
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
