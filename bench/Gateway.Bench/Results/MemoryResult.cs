namespace Gateway.Bench.Results;

/// <summary>The gateway process's resident memory (VmRSS) around the runs, in KiB.</summary>
internal sealed record MemoryResult(
    long RssBeforeConnectKb,
    long RssIdleConnectedKb,
    long RssPeakSampledKb,
    long RssHighWaterKb,
    int Sessions)
{
    /// <summary>(RSS with N idle sessions - RSS before) / N.</summary>
    public double KbPerIdleSession => Sessions > 0 ? (double)(RssIdleConnectedKb - RssBeforeConnectKb) / Sessions : 0;
}
