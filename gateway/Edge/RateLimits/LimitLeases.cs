using System.Threading.RateLimiting;

namespace Gateway.Edge.RateLimits;

/// <summary>The leases <see cref="EdgeRateLimiter"/> hands out: a refusal that says why and when to retry, and an admission.</summary>
internal static class LimitLeases
{
    /// <summary>Names the refusing link (<c>client_rate</c>, <c>global_poll_rate</c>...), a bounded label and the wire's error code.</summary>
    public const string Reason = "gw.reason";

    public static RateLimitLease Admitted { get; } = new AdmittedLease();

    public static RateLimitLease Refused(LimitPolicy policy, LimitScope scope, string reason, TimeSpan retryAfter) =>
        new RefusedLease(policy, scope, reason, retryAfter);

    /// <summary>An admission that holds a place among the client's requests in flight until the request ends.</summary>
    public static RateLimitLease InFlight(RateLimitLease held, Prometheus.Gauge.Child gauge)
    {
        gauge.Inc();
        return new InFlightLease(held, gauge);
    }

    public static bool TryGetRefusal(RateLimitLease lease, out LimitPolicy policy, out string reason, out TimeSpan retryAfter)
    {
        if (lease is RefusedLease refused)
        {
            (policy, reason, retryAfter) = (refused.Policy, refused.ReasonText, refused.RetryAfter);
            return true;
        }

        (policy, reason, retryAfter) = (default, string.Empty, TimeSpan.Zero);
        return false;
    }

    private sealed class AdmittedLease : RateLimitLease
    {
        public override bool IsAcquired => true;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }

    private sealed class InFlightLease(RateLimitLease held, Prometheus.Gauge.Child gauge) : RateLimitLease
    {
        private int _disposed;

        public override bool IsAcquired => true;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                held.Dispose();
                gauge.Dec();
            }

            base.Dispose(disposing);
        }
    }

    private sealed class RefusedLease(LimitPolicy policy, LimitScope scope, string reason, TimeSpan retryAfter) : RateLimitLease
    {
        public LimitPolicy Policy => policy;

        public LimitScope Scope => scope;

        public string ReasonText => reason;

        public TimeSpan RetryAfter => retryAfter;

        public override bool IsAcquired => false;

        public override IEnumerable<string> MetadataNames => [MetadataName.RetryAfter.Name, MetadataName.ReasonPhrase.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = metadataName == MetadataName.RetryAfter.Name ? retryAfter
                : metadataName == MetadataName.ReasonPhrase.Name || metadataName == Reason ? reason
                : null;
            return metadata is not null;
        }
    }
}
