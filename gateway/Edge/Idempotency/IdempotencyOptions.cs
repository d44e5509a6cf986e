using System.ComponentModel.DataAnnotations;

namespace Gateway.Edge.Idempotency;

/// <summary>Host-wide limits of idempotent writes, section <c>Gateway:Idempotency</c> (docs/idempotency.md).</summary>
public sealed class IdempotencyOptions
{
    public const string Section = "Gateway:Idempotency";

    /// <summary>
    /// Default 256 KiB: the largest response body stored for replay. The response is held in memory up to this size
    /// until it is stored, so the cap also bounds what one in-flight write costs. A larger answer is stored without its
    /// body (the write is still not repeated). At most 512 KiB: one NATS message carries the whole record.
    /// </summary>
    [Range(0, 512 * 1024)]
    public int MaxResponseBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// Default 1 MiB: the largest request body of a write with an <c>Idempotency-Key</c>. The body is read before it is
    /// proxied (its hash tells a repeat from a reused key), so it is bounded; larger bodies get 413.
    /// </summary>
    [Range(1, 64 * 1024 * 1024)]
    public int MaxRequestBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Default 2 min: how long a first request counts as in flight. Longer than YARP's 100 s activity timeout, so a live
    /// request is never taken over; when an instance dies mid-request, a retry after this proceeds.
    /// </summary>
    public TimeSpan InFlightTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Default 1 s: the <c>Retry-After</c> of a 409 answered while the first request is in flight.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Default 256 MiB per TTL bucket in NATS KV (file storage), and 10,000 entries in the embedded store used without
    /// JetStream: keys are made by clients, so the store is bounded; when it is full, new keys get 503.
    /// </summary>
    [Range(1024 * 1024, long.MaxValue)]
    public long MaxStoreBytes { get; set; } = 256L * 1024 * 1024;

    /// <inheritdoc cref="MaxStoreBytes"/>
    [Range(1, 10_000_000)]
    public int MaxLocalEntries { get; set; } = 10_000;
}
