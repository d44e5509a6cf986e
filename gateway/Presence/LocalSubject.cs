using Gateway.Routing;

namespace Gateway.Presence;

/// <summary>
/// One subject's presence on this instance: the members held here, the cluster-wide view its watch keeps, and what the
/// refresh cycle needs (changed since the last write, when it last wrote). Everything under <see cref="Lock"/>.
/// </summary>
internal sealed class LocalSubject(string subject, PushRoute route, PresenceSettings settings)
{
    public Lock Lock { get; } = new();

    public string Subject { get; } = subject;

    /// <summary>The route that opened it: its id labels the metrics, its settings bound the members.</summary>
    public PushRoute Route { get; } = route;

    public PresenceSettings Settings { get; } = settings;

    public Dictionary<string, LocalMember> Members { get; } = new(StringComparer.Ordinal);

    public SubjectPresence View { get; } = new();

    /// <summary>The members changed since the last write: the next cycle writes.</summary>
    public bool Dirty { get; set; }

    /// <summary>The last record written held members: it is refreshed, and an empty one is written when they are gone.</summary>
    public bool Holding { get; set; }

    public long LastWrite { get; set; }

    /// <summary>The last time something used it (a member, a read): idle subjects close their watch.</summary>
    public long LastUsed { get; set; }

    /// <summary>The watch's opening; writes wait for it, so this instance sees (and announces) its own first write.</summary>
    public Task<IAsyncDisposable>? Watch { get; set; }

    /// <summary>Removed from the tracker; a caller that still found it starts over.</summary>
    public bool Closed { get; set; }

    public bool WatchReady => Watch is { IsCompletedSuccessfully: true };
}
