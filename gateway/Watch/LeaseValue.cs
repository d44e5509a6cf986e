namespace Gateway.Watch;

/// <summary>A lease entry: who polls (empty = nobody, free to take) and the last ETag seen.</summary>
internal sealed record LeaseValue(string Owner, string? ETag);
