namespace Gateway.Watch;

/// <summary>
/// The last representation of a watched resource that subscribers were told about, kept apart from the lease so that
/// it outlives holders (docs/scale-out.md): its backend ETag (if the backend sends one) and body hash, how many changes
/// were announced so far, a write that notify-on-write announced but the watch has not seen yet, and until when the
/// backend asked for quiet (<see cref="QuietUntil"/>, Unix milliseconds, 0 = no quiet): shared, so a holder that takes
/// over the lease honours its predecessor's <c>Retry-After</c>.
/// </summary>
internal sealed record WatchBaseline(string? ETag, string? Hash, long Version, AnnouncedWrite? Announced, long QuietUntil = 0)
{
    /// <summary>Whether a polled representation is this one: by the backend's ETag when both have one, else by body hash.</summary>
    public bool IsSame(string? etag, string hash) => ETag is not null && etag is not null ? ETag == etag : Hash == hash;
}

/// <summary>
/// A write announced by notify-on-write: the validators its response carried (ETag, hash of the response body), or
/// neither (a <c>204</c>), and when (Unix milliseconds). <see cref="InFlight"/> while a write is proxied: the validators
/// are then those of an earlier write the watch has not seen yet, if any.
/// </summary>
internal sealed record AnnouncedWrite(string? ETag, string? Hash, long At, bool InFlight = false)
{
    /// <summary>How long the watch waits for a write in flight before it polls as usual (the instance may have died).</summary>
    public static readonly TimeSpan InFlightLimit = TimeSpan.FromSeconds(30);

    public bool HasValidator => ETag is not null || Hash is not null;

    /// <summary>Whether a polled representation is the one the write produced.</summary>
    public bool Matches(string? etag, string hash) => (ETag is not null && ETag == etag) || (Hash is not null && Hash == hash);
}
