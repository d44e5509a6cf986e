namespace Gateway.Watch;

/// <summary>
/// Who polls a watched resource: exactly one instance at a time holds the lease for a key. The holder renews it at
/// least three times per lease time, and renews it again right before each publish, so a holder that lost the lease
/// (paused, partitioned, superseded) learns it before it can publish (docs/scale-out.md).
/// </summary>
internal interface IWatchLease
{
    /// <summary>Takes the lease if it is free, renews it if it is ours. Returns whether this instance holds it now.</summary>
    ValueTask<bool> TryHoldAsync(string key, TimeSpan ttl, CancellationToken cancellationToken);

    /// <summary>Gives the lease up so another instance with subscribers takes over at once.</summary>
    ValueTask ReleaseAsync(string key, CancellationToken cancellationToken);
}
