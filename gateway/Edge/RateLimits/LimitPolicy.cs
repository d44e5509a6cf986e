namespace Gateway.Edge.RateLimits;

/// <summary>
/// What a limited request does, one per named rate-limiter policy (<c>gw-connect</c>, <c>gw-negotiate</c>, <c>gw-poll</c>,
/// <c>gw-publish</c>). Negotiations share the connect buckets: a client negotiates once per connect.
/// </summary>
internal enum LimitPolicy
{
    Connect,
    Negotiate,
    Poll,
    Publish,
}
