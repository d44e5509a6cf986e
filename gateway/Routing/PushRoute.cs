namespace Gateway.Routing;

/// <summary>A push route's settings, parsed once from YARP route metadata. Immutable: a reload makes a new one.</summary>
internal sealed record PushRoute(
    string RouteId,
    string? ClusterId,
    SubjectTemplate? Subject,
    IReadOnlyList<TransportKind> Transports,
    SubjectTemplate? Upstream,
    string? WatchPath,
    TimeSpan WatchInterval,
    SubjectTemplate? Notify,
    int QueueCapacity,
    SlowConsumerPolicy SlowConsumer,
    TimeSpan Heartbeat,
    TimeSpan PollInterval,
    PollBounds? AdaptivePoll,
    double? ConnectRate,
    int? ConnectBurst,
    double? PollRate,
    int? PollBurst,
    int? MaxSessions)
{
    /// <summary>This route's per-client publish rate (<c>Push.PublishRate</c>), instead of <c>Gateway:Limits:PublishRatePerClient</c>.</summary>
    public double? PublishRate { get; init; }

    /// <summary>This route's per-client publish burst (<c>Push.PublishBurst</c>).</summary>
    public int? PublishBurst { get; init; }

    /// <summary>The claim a token must carry for this request's subject (<c>Push.RequireClaim</c>), if any.</summary>
    public ClaimRequirement? RequireClaim { get; init; }

    /// <summary>Presence on this route's subjects (<c>Push.Presence</c>), or null when it is off.</summary>
    public PresenceSettings? Presence { get; init; }

    /// <summary>True when clients subscribe on this route (it has <c>Push.Subject</c>).</summary>
    public bool IsStream => Subject is not null;

    public bool Allows(TransportKind kind)
    {
        foreach (var t in Transports)
        {
            if (t == kind)
            {
                return true;
            }
        }

        return false;
    }
}
