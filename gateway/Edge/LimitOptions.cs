namespace Gateway.Edge;

/// <summary>
/// Limits on what clients make the gateway do (<c>Gateway:Limits</c>): token buckets behind the named rate-limiter
/// policies (<c>gw-connect</c> and <c>gw-negotiate</c> share the connect buckets; <c>gw-poll</c>; <c>gw-publish</c>), each a
/// chain of a per-client bucket, an optional per-route bucket and a per-instance bucket; and caps on open sessions.
/// See docs/security.md.
/// </summary>
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

    /// <summary>Default 5,000 polls per second per instance, burst 10,000: a poll costs a broker lookup at most, so the ceiling is high.</summary>
    public double GlobalPollRate { get; set; } = 5000;

    public int GlobalPollBurst { get; set; } = 10_000;

    /// <summary>
    /// Default 20 client publishes (HTTP upstream POSTs and WebSocket <c>publish</c> frames together) per second per client
    /// key, burst 40: one chat-like client never needs more, and a flood from one address is cut at once.
    /// </summary>
    public double PublishRatePerClient { get; set; } = 20;

    public int PublishBurstPerClient { get; set; } = 40;

    /// <summary>Default 2,000 client publishes per second per instance, burst 4,000: what one instance lets clients put on the broker.</summary>
    public double GlobalPublishRate { get; set; } = 2000;

    public int GlobalPublishBurst { get; set; } = 4000;

    /// <summary>
    /// Per-route buckets (every client of one route together), per policy. Default none: a route is bounded by the
    /// per-client and per-instance buckets only. Set one to keep a busy route from taking the whole instance budget.
    /// </summary>
    public double? ConnectRatePerRoute { get; set; }

    public int? ConnectBurstPerRoute { get; set; }

    public double? PollRatePerRoute { get; set; }

    public int? PollBurstPerRoute { get; set; }

    public double? PublishRatePerRoute { get; set; }

    public int? PublishBurstPerRoute { get; set; }

    /// <summary>Default 100,000 push sessions per instance; above it new streams get 503 + Retry-After (another instance takes them).</summary>
    public int MaxSessions { get; set; } = 100_000;

    /// <summary>
    /// Default 1,000 open push sessions per client key: rate limits bound how fast a client connects, this bounds how much
    /// it holds. Keyed by token subject when authenticated, so users behind one NAT are not lumped together then.
    /// </summary>
    public int MaxSessionsPerClient { get; set; } = 1000;

    /// <summary>
    /// Default 100 polls (long and short) in flight per client key. A held long poll keeps a broker subscription (a topic)
    /// open for up to 55 s; without a per-client cap one client could hold every topic the instance allows
    /// (<c>Gateway:Broker:MaxTopics</c>) and everyone else would get 503.
    /// </summary>
    public int MaxPollsInFlightPerClient { get; set; } = 100;

    /// <summary>Default 10 negotiations in flight per client key: a negotiation opens a subscription while it looks up the cursor.</summary>
    public int MaxNegotiationsInFlightPerClient { get; set; } = 10;

    /// <summary>Proxies whose <c>X-Forwarded-For</c> is trusted for the client key. Default none: the socket address is the key.</summary>
    public List<string> TrustedProxies { get; set; } = [];
}
