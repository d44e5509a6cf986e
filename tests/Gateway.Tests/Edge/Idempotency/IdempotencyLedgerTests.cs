using Gateway.Edge.Idempotency;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Edge.Idempotency.Tests;

/// <summary>The ledger's rules over the local store, on a fake clock (the KV store is covered by the integration tests).</summary>
public sealed class IdempotencyLedgerTests
{
    private static readonly TimeSpan Ttl = TimeSpan.FromHours(1);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly IdempotencyOptions _options = new() { InFlightTimeout = TimeSpan.FromMinutes(2), MaxLocalEntries = 3 };
    private readonly IdempotencyLedger _ledger;
    private readonly LocalIdempotencyStore _store;

    public IdempotencyLedgerTests()
    {
        _store = new LocalIdempotencyStore(_time, Options.Create(_options));
        _ledger = new IdempotencyLedger(_store, _time, Options.Create(_options));
    }

    [Fact]
    public async Task Claim_FirstThenRepeatWhileInFlight_ClaimedThenInFlight_OtherFingerprintIsMismatch()
    {
        Assert.Equal(IdempotencyClaimOutcome.Claimed, (await _ledger.ClaimAsync("k", "f1", Ttl, default)).Outcome);
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(IdempotencyClaimOutcome.InFlight, (await _ledger.ClaimAsync("k", "f1", Ttl, default)).Outcome);
        Assert.Equal(IdempotencyClaimOutcome.Mismatch, (await _ledger.ClaimAsync("k", "f2", Ttl, default)).Outcome);
    }

    [Fact]
    public async Task Claim_AfterComplete_ReplaysTheStoredAnswer()
    {
        var claim = await _ledger.ClaimAsync("k", "f1", Ttl, default);
        Assert.True(await _ledger.CompleteAsync(claim, new IdempotencyRecord { Fingerprint = "f1", Status = 201, Body = [1, 2, 3] }, default));

        var repeat = await _ledger.ClaimAsync("k", "f1", Ttl, default);

        Assert.Equal(IdempotencyClaimOutcome.Replay, repeat.Outcome);
        Assert.Equal(201, repeat.Stored!.Status);
        Assert.Equal([1, 2, 3], repeat.Stored.Body);
    }

    [Fact]
    public async Task Claim_PendingOlderThanInFlightTimeout_IsTakenOver_AndTheOldClaimCannotComplete()
    {
        var abandoned = await _ledger.ClaimAsync("k", "f1", Ttl, default);
        _time.Advance(TimeSpan.FromMinutes(2));

        var takeover = await _ledger.ClaimAsync("k", "f1", Ttl, default);

        Assert.Equal(IdempotencyClaimOutcome.Claimed, takeover.Outcome);
        Assert.False(await _ledger.CompleteAsync(abandoned, new IdempotencyRecord { Fingerprint = "f1", Status = 200 }, default));
        Assert.True(await _ledger.CompleteAsync(takeover, new IdempotencyRecord { Fingerprint = "f1", Status = 201 }, default));
    }

    [Fact]
    public async Task Release_GivesTheKeyBack_ARetryIsClaimed()
    {
        var claim = await _ledger.ClaimAsync("k", "f1", Ttl, default);
        await _ledger.ReleaseAsync(claim, default);

        Assert.Equal(IdempotencyClaimOutcome.Claimed, (await _ledger.ClaimAsync("k", "f1", Ttl, default)).Outcome);
    }

    [Fact]
    public async Task LocalStore_EntriesExpireAfterTtl_AndAFullStoreRefusesNewKeysUntilOnesExpire()
    {
        var done = await _ledger.ClaimAsync("a", "f", Ttl, default);
        await _ledger.CompleteAsync(done, new IdempotencyRecord { Fingerprint = "f", Status = 200 }, default);
        await _ledger.ClaimAsync("b", "f", Ttl, default);
        await _ledger.ClaimAsync("c", "f", Ttl, default);

        await Assert.ThrowsAsync<IdempotencyStoreException>(async () => await _ledger.ClaimAsync("d", "f", Ttl, default));

        _time.Advance(Ttl);
        Assert.Equal(IdempotencyClaimOutcome.Claimed, (await _ledger.ClaimAsync("a", "f", Ttl, default)).Outcome);
        Assert.Equal(IdempotencyClaimOutcome.Claimed, (await _ledger.ClaimAsync("d", "f", Ttl, default)).Outcome);
    }
}
