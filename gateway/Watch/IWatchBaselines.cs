namespace Gateway.Watch;

/// <summary>Where baselines live: NATS KV with JetStream (shared by all instances), memory otherwise.</summary>
internal interface IWatchBaselines
{
    /// <summary>The baseline of a subject and its revision (0 and null when there is none).</summary>
    ValueTask<StoredBaseline> GetAsync(string subject, CancellationToken cancellationToken);

    /// <summary>Writes the baseline if its revision is still <paramref name="revision"/> (0 = must not exist yet).</summary>
    ValueTask<bool> TryPutAsync(string subject, WatchBaseline baseline, ulong revision, CancellationToken cancellationToken);
}

internal readonly record struct StoredBaseline(WatchBaseline? Value, ulong Revision);
