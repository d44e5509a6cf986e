using System.Diagnostics;

namespace Gateway.IntegrationTests.Broker;

/// <summary>Samples a gateway's <c>/readyz</c> every 200 ms in the background: what a load balancer's probe would have seen.</summary>
internal sealed class ReadinessLog : IAsyncDisposable
{
    private readonly List<(TimeSpan At, bool Ready)> samples = [];
    private readonly CancellationTokenSource stop = new();
    private readonly Stopwatch clock;
    private readonly Task loop;

    public ReadinessLog(HttpClient management, Stopwatch clock)
    {
        this.clock = clock;
        loop = Task.Run(() => RunAsync(management), CancellationToken.None);
    }

    public IReadOnlyList<(TimeSpan At, bool Ready)> Samples
    {
        get
        {
            lock (samples)
            {
                return [.. samples];
            }
        }
    }

    /// <summary>The longest run of unready samples between <paramref name="from"/> and now.</summary>
    public TimeSpan LongestUnready(TimeSpan from)
    {
        TimeSpan longest = TimeSpan.Zero;
        TimeSpan? since = null;
        foreach (var (at, ready) in Samples.Where(s => s.At >= from))
        {
            if (!ready)
            {
                since ??= at;
                longest = at - since.Value > longest ? at - since.Value : longest;
            }
            else
            {
                since = null;
            }
        }

        return longest;
    }

    /// <summary>The first unready sample at or after <paramref name="from"/>.</summary>
    public TimeSpan? FirstUnready(TimeSpan from) => Samples.Where(s => s.At >= from && !s.Ready).Select(s => (TimeSpan?)s.At).FirstOrDefault();

    public string Describe() => string.Join(' ', Samples.Select(s => $"{s.At.TotalSeconds:0.0}:{(s.Ready ? "R" : "u")}"));

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await loop;
        stop.Dispose();
    }

    private async Task RunAsync(HttpClient management)
    {
        using var ticker = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
        while (!stop.IsCancellationRequested)
        {
            bool ready;
            try
            {
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                cts.CancelAfter(TimeSpan.FromSeconds(3));
                using var response = await management.GetAsync("/readyz", cts.Token);
                ready = response.IsSuccessStatusCode;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
            {
                ready = false;
            }

            lock (samples)
            {
                samples.Add((clock.Elapsed, ready));
            }

            try
            {
                await ticker.WaitForNextTickAsync(stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }
}
