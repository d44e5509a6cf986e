namespace Gateway.Bench.Results;

/// <summary>
/// Gateway over baseline for one variant, both measured in the same run: throughput below 1 and latency above 1
/// are the gateway's cost. Ratios, not absolute numbers, are what compares across noisy runs.
/// </summary>
/// <remarks><see cref="ServerCpu"/> compares nats-server + gateway CPU per delivered event with nats-server's alone.</remarks>
internal sealed record RatioResult(string Variant, double Throughput, double P50, double P95, double P99, double Max, double ServerCpu);
