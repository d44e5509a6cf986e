using System.Diagnostics;
using Gateway.Bench.Hosting;

namespace Gateway.Bench.Drain;

/// <summary>Samples both instances' metrics every 500 ms from the drain on, for B's admission rate and A's ramp down.</summary>
internal sealed class DrainTimeline : IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    private static readonly Dictionary<string, string> Bench = new(StringComparer.Ordinal) { ["route"] = "bench" };
    private static readonly Dictionary<string, string> GlobalRate = new(StringComparer.Ordinal) { ["route"] = "bench", ["reason"] = "global_rate" };

    private readonly List<DrainSample> _samples = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public DrainTimeline(GatewayMetrics a, GatewayMetrics b, Func<int> clientsOnB) => _loop = LoopAsync(a, b, clientsOnB, _stop.Token);

    public IReadOnlyList<DrainSample> Samples
    {
        get
        {
            lock (_samples)
            {
                return [.. _samples];
            }
        }
    }

    /// <summary>The highest rate at which B started sessions between two consecutive samples, per second.</summary>
    public double PeakStartsPerSecond()
    {
        var samples = Samples;
        var peak = 0.0;
        for (var i = 1; i < samples.Count; i++)
        {
            var seconds = samples[i].Seconds - samples[i - 1].Seconds;
            if (seconds > 0)
            {
                peak = Math.Max(peak, (samples[i].BSessionsStarted - samples[i - 1].BSessionsStarted) / seconds);
            }
        }

        return peak;
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

    private async Task LoopAsync(GatewayMetrics a, GatewayMetrics b, Func<int> clientsOnB, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        using var timer = new PeriodicTimer(Interval);
        do
        {
            try
            {
                var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
                var bSums = await b.SumsAsync([("gateway_sessions_started_total", Bench), ("gateway_reconnects_rejected_total", GlobalRate)], cancellationToken);
                var aActive = await a.SumAsync("gateway_sessions_active", Bench, cancellationToken);
                lock (_samples)
                {
                    _samples.Add(new DrainSample(seconds, aActive, bSums[0], bSums[1], clientsOnB()));
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
        }
        while (await timer.WaitForNextTickAsync(cancellationToken));
    }
}
