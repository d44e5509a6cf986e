namespace Gateway.Watch;

/// <summary>A lease entry: who polls (empty = released, free to take).</summary>
internal sealed record LeaseValue(string Owner);
