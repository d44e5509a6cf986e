namespace Gateway.Routing;

/// <summary>The YARP route metadata keys that make a route a push route (DESIGN.md, "Routes").</summary>
internal static class PushMetadataKeys
{
    public const string Subject = "Push.Subject";
    public const string Transports = "Push.Transports";
    public const string Upstream = "Push.Upstream";
    public const string Watch = "Push.Watch";
    public const string WatchInterval = "Push.WatchInterval";
    public const string Notify = "Push.Notify";
    public const string QueueCapacity = "Push.QueueCapacity";
    public const string SlowConsumer = "Push.SlowConsumer";
    public const string Heartbeat = "Push.Heartbeat";
    public const string PollInterval = "Push.PollInterval";
    public const string PollIntervalMin = "Push.PollIntervalMin";
    public const string PollIntervalMax = "Push.PollIntervalMax";
    public const string ConnectRate = "Push.ConnectRate";
    public const string ConnectBurst = "Push.ConnectBurst";
    public const string PollRate = "Push.PollRate";
    public const string PollBurst = "Push.PollBurst";
    public const string MaxSessions = "Push.MaxSessions";
    public const string PublishRate = "Push.PublishRate";
    public const string PublishBurst = "Push.PublishBurst";
    public const string RequireClaim = "Push.RequireClaim";
    public const string Presence = "Push.Presence";
    public const string PresenceEvents = "Push.PresenceEvents";
    public const string PresenceTtl = "Push.PresenceTtl";
    public const string PresenceGrace = "Push.PresenceGrace";
    public const string PresenceMaxMembers = "Push.PresenceMaxMembers";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        Subject, Transports, Upstream, Watch, WatchInterval, Notify, QueueCapacity, SlowConsumer, Heartbeat, PollInterval,
        PollIntervalMin, PollIntervalMax, ConnectRate, ConnectBurst, PollRate, PollBurst, MaxSessions, PublishRate, PublishBurst, RequireClaim,
        Presence, PresenceEvents, PresenceTtl, PresenceGrace, PresenceMaxMembers,
    };
}
