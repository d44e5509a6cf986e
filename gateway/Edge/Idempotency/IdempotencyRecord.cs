namespace Gateway.Edge.Idempotency;

/// <summary>
/// What the store holds for one key (versioned JSON, docs/idempotency.md): the request's fingerprint, and once the first
/// request is answered, the answer to replay.
/// </summary>
internal sealed record IdempotencyRecord
{
    public int Version { get; init; } = 1;

    /// <summary>Hex SHA-256 of method, path and query, and body: a repeat must match it, else 422.</summary>
    public required string Fingerprint { get; init; }

    /// <summary>When the first request started (Unix milliseconds): a pending record older than the in-flight timeout is abandoned.</summary>
    public long StartedMs { get; init; }

    /// <summary>False while the first request is in flight.</summary>
    public bool Done { get; init; }

    public int Status { get; init; }

    public Dictionary<string, string[]>? Headers { get; init; }

    public byte[]? Body { get; init; }

    /// <summary>True when the body was larger than the cap and is not stored (the replay has the status and headers only).</summary>
    public bool BodyOmitted { get; init; }
}
