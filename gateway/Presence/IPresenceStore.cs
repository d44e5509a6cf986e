namespace Gateway.Presence;

/// <summary>
/// Where instances keep their members of each subject: NATS KV with JetStream (<see cref="KvPresenceStore"/>), this
/// process otherwise (<see cref="LocalPresenceStore"/>, one instance only). Every update reaches every watcher of the
/// subject in the same order, which is what lets exactly one instance announce each join and leave.
/// </summary>
internal interface IPresenceStore
{
    /// <summary>This instance's name in keys and records (a KV key token).</summary>
    string Instance { get; }

    /// <summary>True when the members of every instance are seen (a shared store), false for one instance's memory.</summary>
    bool IsShared { get; }

    /// <summary>Follows a subject's records; completes once the current ones went to <paramref name="onUpdate"/>. Dispose to stop.</summary>
    /// <exception cref="PresenceUnavailableException">The store does not answer.</exception>
    ValueTask<IAsyncDisposable> WatchAsync(string subject, TimeSpan ttl, Action<PresenceUpdate> onUpdate, CancellationToken cancellationToken);

    /// <summary>Writes this instance's record of a subject.</summary>
    /// <exception cref="PresenceUnavailableException">The store did not take it.</exception>
    ValueTask WriteAsync(string subject, TimeSpan ttl, PresenceRecord record, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces another instance's expired record if it is still at <paramref name="revision"/> (or aged out of the store):
    /// true for the one instance whose write won, false when the owner refreshed it or another instance reaped it first.
    /// </summary>
    ValueTask<bool> ReapAsync(string subject, string instance, ulong revision, TimeSpan ttl, PresenceRecord record, CancellationToken cancellationToken);
}
