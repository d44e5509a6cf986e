namespace Gateway.Bench.Results;

/// <summary>One probe target in one phase: latency of the requests that succeeded, and how many did not.</summary>
internal sealed record ProbeStats(string Target, string Phase, LatencyStats LatencyMs, int Failed);
