namespace Gateway.Watch;

/// <summary>
/// Who polls a watched resource: exactly one instance at a time holds the lease for a key, renews it every interval,
/// and carries the last seen ETag in it so a successor neither misses nor repeats a change.
/// </summary>
internal interface IWatchLease
{
    /// <summary>Takes or renews the lease. Returns whether this instance holds it and the last ETag recorded in it.</summary>
    ValueTask<LeaseState> TryHoldAsync(string key, TimeSpan ttl, CancellationToken cancellationToken);

    /// <summary>Records the newest ETag (only the holder calls this).</summary>
    ValueTask RecordAsync(string key, string etag, CancellationToken cancellationToken);

    /// <summary>Gives the lease up so another instance with subscribers takes over at once.</summary>
    ValueTask ReleaseAsync(string key, CancellationToken cancellationToken);
}

internal readonly record struct LeaseState(bool Held, string? ETag);
