namespace Gateway.Edge.RateLimits;

/// <summary>Which link of the chain refused: the client's bucket, the route's, the instance's, or the client's cap on requests in flight.</summary>
internal enum LimitScope
{
    Client,
    Route,
    Global,
    ClientInFlight,
}
