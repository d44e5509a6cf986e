namespace Gateway.Edge.RateLimits;

/// <summary>
/// One request's place in the limits: its policy, client key and route, and the route's own per-client rate when it sets
/// one (<c>Push.ConnectRate</c> and friends). It is also the middleware's partition key, so equal requests share one partition.
/// </summary>
internal readonly record struct LimitRequest(LimitPolicy Policy, string ClientKey, string RouteId, double? Rate = null, int? Burst = null);
