namespace Gateway.Edge.Idempotency;

/// <summary>What a request with an idempotency key may do: go to the backend, replay, or be refused.</summary>
internal enum IdempotencyClaimOutcome
{
    /// <summary>This request is the first (or takes over an abandoned first): proxy it and store its answer.</summary>
    Claimed,

    /// <summary>The first request's answer is stored: replay it.</summary>
    Replay,

    /// <summary>The key was used with another request (method, path or body): 422.</summary>
    Mismatch,

    /// <summary>The first request is still in flight: 409 with Retry-After.</summary>
    InFlight,
}

/// <summary>The outcome of <see cref="IdempotencyLedger.ClaimAsync"/>; a claim carries the revision to complete it at.</summary>
internal readonly record struct IdempotencyClaim(IdempotencyClaimOutcome Outcome, string Key, TimeSpan Ttl, ulong Revision, IdempotencyRecord? Stored);
