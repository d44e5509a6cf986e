using System.Threading.RateLimiting;

namespace Gateway.Edge.RateLimits;

/// <summary>
/// What the ASP.NET middleware keeps per partition: a view of <see cref="EdgeRateLimiter"/> for one <see cref="LimitRequest"/>.
/// It owns nothing (the buckets live in the shared limiter), and reports itself idle after its last use so the middleware
/// drops it like any idle partition.
/// </summary>
internal sealed class LimiterView(EdgeRateLimiter limiter, LimitRequest request) : RateLimiter
{
    // The middleware follows a refused AttemptAcquire with AcquireAsync on the same thread (a queued wait, which the
    // gateway never uses): that second call must hand back the same refusal, not spend or count a second time.
    [ThreadStatic]
    private static (LimiterView View, RateLimitLease Lease)? s_refused;

    private long _lastUse = Environment.TickCount64;

    public override TimeSpan? IdleDuration => TimeSpan.FromMilliseconds(Environment.TickCount64 - Volatile.Read(ref _lastUse));

    public override RateLimiterStatistics? GetStatistics() => null;

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        Volatile.Write(ref _lastUse, Environment.TickCount64);
        var lease = limiter.Acquire(request);
        s_refused = lease.IsAcquired ? null : (this, lease);
        return lease;
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        if (s_refused is { } refused && ReferenceEquals(refused.View, this))
        {
            s_refused = null;
            return ValueTask.FromResult(refused.Lease);
        }

        return ValueTask.FromResult(AttemptAcquireCore(permitCount));
    }
}
