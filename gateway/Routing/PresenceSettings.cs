namespace Gateway.Routing;

/// <summary>
/// A route's presence settings (<c>Push.Presence</c> and its companions): who is subscribed to a subject, cluster-wide,
/// kept alive by refreshes and gone within <see cref="Ttl"/> of its instance's death (docs/presence.md).
/// </summary>
internal sealed record PresenceSettings(bool Events, TimeSpan Ttl, TimeSpan Grace, int MaxMembers)
{
    /// <summary>Default 30 s: a member of a crashed instance is gone within half a minute, for one write per subject per 10 s.</summary>
    public static readonly TimeSpan DefaultTtl = TimeSpan.FromSeconds(30);

    /// <summary>Default 5 s: a client that reconnects within it (a network blip, another instance) is not a leave and a join.</summary>
    public static readonly TimeSpan DefaultGrace = TimeSpan.FromSeconds(5);

    /// <summary>Default 1,000 members per subject: one instance's members of a subject travel in one KV value of about 100 KB then.</summary>
    public const int DefaultMaxMembers = 1000;

    /// <summary>The most a route may set: 5,000 members of about 150 bytes each still fit one NATS message (1 MB).</summary>
    public const int MaxMaxMembers = 5000;

    public static readonly TimeSpan MinTtl = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan MaxTtl = TimeSpan.FromHours(1);

    /// <summary>Members are rewritten three times per TTL, so one lost or late write never expires a live member.</summary>
    public TimeSpan RefreshInterval => Ttl / 3;
}
