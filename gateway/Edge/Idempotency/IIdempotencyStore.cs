namespace Gateway.Edge.Idempotency;

/// <summary>
/// Compare-and-set storage of idempotency records, shared by every instance (NATS KV) or local (embedded store without
/// JetStream). Entries expire their route's TTL after their last write. Every method throws
/// <see cref="IdempotencyStoreException"/> when the store cannot answer.
/// </summary>
internal interface IIdempotencyStore
{
    /// <summary>Creates the entry if there is none; its revision, or null when the key exists.</summary>
    ValueTask<ulong?> TryCreateAsync(string key, byte[] value, TimeSpan ttl, CancellationToken cancellationToken);

    /// <summary>The entry and its revision, or null when there is none.</summary>
    ValueTask<(byte[] Value, ulong Revision)?> GetAsync(string key, TimeSpan ttl, CancellationToken cancellationToken);

    /// <summary>Replaces the entry if it is still at <paramref name="revision"/>; the new revision, or null when it moved on.</summary>
    ValueTask<ulong?> TryUpdateAsync(string key, byte[] value, ulong revision, TimeSpan ttl, CancellationToken cancellationToken);

    /// <summary>Removes the entry if it is still at <paramref name="revision"/>.</summary>
    ValueTask DeleteAsync(string key, ulong revision, TimeSpan ttl, CancellationToken cancellationToken);
}
