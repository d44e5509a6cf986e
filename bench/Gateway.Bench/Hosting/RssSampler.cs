namespace Gateway.Bench.Hosting;

/// <summary>Samples a process's VmRSS every 100 ms in the background and keeps the highest value seen.</summary>
internal sealed class RssSampler : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly int _pid;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _peakKb;

    public RssSampler(int pid)
    {
        _pid = pid;
        _loop = LoopAsync(_stop.Token);
    }

    public long PeakKb => Interlocked.Read(ref _peakKb);

    /// <summary>The median of <paramref name="samples"/> readings 200 ms apart: one reading can land mid-GC.</summary>
    public async Task<long> SettledKbAsync(int samples, CancellationToken cancellationToken)
    {
        var values = new List<long>(samples);
        for (var i = 0; i < samples; i++)
        {
            if (i > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
            }

            values.Add(Sample());
        }

        values.Sort();
        return values[values.Count / 2];
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private long Sample()
    {
        var kb = ProcessMemory.RssKb(_pid);
        long seen;
        while (kb > (seen = Interlocked.Read(ref _peakKb)) && Interlocked.CompareExchange(ref _peakKb, kb, seen) != seen)
        {
        }

        return kb;
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            Sample();
        }
    }
}
