namespace Gateway.Edge;

/// <summary>Token-bucket limits on new push connections and negotiations, and a separate budget for polls (<c>Gateway:Limits</c>).</summary>
public sealed class LimitOptions
{
    public const string Section = "Gateway:Limits";

    /// <summary>
    /// Default 5 connects per second per client key, burst 20: one demo tab spends 6 (three panels, a negotiation and a
    /// connect each), so a few tabs behind one address reconnecting at once pass; a reconnect loop does not.
    /// </summary>
    public double ConnectRatePerClient { get; set; } = 5;

    public int ConnectBurstPerClient { get; set; } = 20;

    /// <summary>Default 500 connects per second per instance, burst 1,000: the most a reconnect storm may admit.</summary>
    public double GlobalConnectRate { get; set; } = 500;

    public int GlobalConnectBurst { get; set; } = 1000;

    /// <summary>Default 10 polls per second per client key, burst 30: separate, so a polling client is not starved by connects.</summary>
    public double PollRatePerClient { get; set; } = 10;

    public int PollBurstPerClient { get; set; } = 30;

    /// <summary>Default 100,000 push sessions per instance; above it new streams get 503 + Retry-After (another instance takes them).</summary>
    public int MaxSessions { get; set; } = 100_000;

    /// <summary>
    /// Default 1,000 open push sessions per client key: rate limits bound how fast a client connects, this bounds how much
    /// it holds. Keyed by token subject when authenticated, so users behind one NAT are not lumped together then.
    /// </summary>
    public int MaxSessionsPerClient { get; set; } = 1000;

    /// <summary>Proxies whose <c>X-Forwarded-For</c> is trusted for the client key. Default none: the socket address is the key.</summary>
    public List<string> TrustedProxies { get; set; } = [];
}
