using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Gateway.Edge.Idempotency;

/// <summary>
/// The rules of idempotency keys over a compare-and-set store: the first request with a key creates a pending record
/// and proceeds; a repeat finds the record and is replayed (done), refused with 409 (pending) or 422 (another request);
/// a pending record older than the in-flight timeout belongs to a request that died with its instance and is taken over.
/// </summary>
internal sealed class IdempotencyLedger(IIdempotencyStore store, TimeProvider time, IOptions<IdempotencyOptions> options)
{
    private const int MaxAttempts = 4;

    public async ValueTask<IdempotencyClaim> ClaimAsync(string key, string fingerprint, TimeSpan ttl, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var now = time.GetUtcNow();
            var pending = Serialize(new IdempotencyRecord { Fingerprint = fingerprint, StartedMs = now.ToUnixTimeMilliseconds() });
            if (await store.TryCreateAsync(key, pending, ttl, cancellationToken) is { } created)
            {
                return new IdempotencyClaim(IdempotencyClaimOutcome.Claimed, key, ttl, created, null);
            }

            if (await store.GetAsync(key, ttl, cancellationToken) is not { } existing)
            {
                continue; // released or expired between the two calls
            }

            var record = Deserialize(existing.Value);
            if (record is null)
            {
                // Unreadable (another version, or damage): the safest answer is the one a live first request gets.
                return new IdempotencyClaim(IdempotencyClaimOutcome.InFlight, key, ttl, existing.Revision, null);
            }

            if (!string.Equals(record.Fingerprint, fingerprint, StringComparison.Ordinal))
            {
                return new IdempotencyClaim(IdempotencyClaimOutcome.Mismatch, key, ttl, existing.Revision, record);
            }

            if (record.Done)
            {
                return new IdempotencyClaim(IdempotencyClaimOutcome.Replay, key, ttl, existing.Revision, record);
            }

            if (now - DateTimeOffset.FromUnixTimeMilliseconds(record.StartedMs) < options.Value.InFlightTimeout)
            {
                return new IdempotencyClaim(IdempotencyClaimOutcome.InFlight, key, ttl, existing.Revision, record);
            }

            if (await store.TryUpdateAsync(key, pending, existing.Revision, ttl, cancellationToken) is { } taken)
            {
                return new IdempotencyClaim(IdempotencyClaimOutcome.Claimed, key, ttl, taken, null);
            }
        }

        return new IdempotencyClaim(IdempotencyClaimOutcome.InFlight, key, ttl, 0, null);
    }

    /// <summary>Stores the answer of a claimed request; false when the claim was taken over meanwhile.</summary>
    public async ValueTask<bool> CompleteAsync(IdempotencyClaim claim, IdempotencyRecord answer, CancellationToken cancellationToken) =>
        await store.TryUpdateAsync(claim.Key, Serialize(answer with { Done = true }), claim.Revision, claim.Ttl, cancellationToken) is not null;

    /// <summary>Gives the key up (a 5xx, a failed proxy): a retry goes to the backend again.</summary>
    public ValueTask ReleaseAsync(IdempotencyClaim claim, CancellationToken cancellationToken) =>
        store.DeleteAsync(claim.Key, claim.Revision, claim.Ttl, cancellationToken);

    private static byte[] Serialize(IdempotencyRecord record) => JsonSerializer.SerializeToUtf8Bytes(record, IdempotencyJsonContext.Default.IdempotencyRecord);

    private static IdempotencyRecord? Deserialize(byte[] bytes)
    {
        try
        {
            var record = JsonSerializer.Deserialize(bytes, IdempotencyJsonContext.Default.IdempotencyRecord);
            return record is { Version: 1 } ? record : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
