namespace Gateway.Routing;

/// <summary>A REST route's edge settings, parsed once from its <c>Edge.*</c> metadata. Immutable: a reload makes a new one.</summary>
/// <param name="RouteId">The YARP route id (a metric label and part of every idempotency key's scope).</param>
/// <param name="Idempotency">True when POST and PATCH honour <c>Idempotency-Key</c>.</param>
/// <param name="IdempotencyTtl">How long a stored response is replayed.</param>
internal sealed record EdgeSettings(string RouteId, bool Idempotency, TimeSpan IdempotencyTtl)
{
    /// <summary>Default 24 h: long enough for a client's retries across a bad night, short enough to bound the store.</summary>
    public static readonly TimeSpan DefaultIdempotencyTtl = TimeSpan.FromHours(24);
}
