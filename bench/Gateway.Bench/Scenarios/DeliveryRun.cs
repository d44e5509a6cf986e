using System.Diagnostics;
using Gateway.Bench.Hosting;
using Gateway.Bench.Publishing;
using Gateway.Bench.Results;
using Gateway.Bench.Subscribers;

namespace Gateway.Bench.Scenarios;

/// <summary>
/// One run: publish M events while N connected subscribers receive them, wait until every subscriber has every event
/// (or the run stalls or hits its time limit), then reduce the delivery logs to throughput, latency and loss.
/// </summary>
internal static class DeliveryRun
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    public static async Task<RunResult> RunAsync(
        ISubscriberGroup group,
        IEventPublisher publisher,
        CpuMeter cpu,
        string subject,
        int run,
        PublishVariant variant,
        BenchOptions options,
        CancellationToken cancellationToken)
    {
        var logs = group.Logs;
        foreach (var log in logs)
        {
            log.Start(run, options.Events);
        }

        var statsBefore = group.Stats.Snapshot();
        int? rate = variant == PublishVariant.Paced ? options.Rate : null;
        var expected = (long)logs.Count * options.Events;

        // Bounded: the publishing time at the target rate plus generous room for a slow path to drain.
        var limit = TimeSpan.FromSeconds((rate is { } r ? (double)options.Events / r : 0) + 120 + options.StallTimeout.TotalSeconds);
        var elapsed = Stopwatch.StartNew();
        var cpuBefore = cpu.Take();
        var publish = publisher.PublishAsync(subject, run, options.Events, rate, options.PayloadBytes, cancellationToken);

        var sinceProgress = Stopwatch.StartNew();
        long lastTotal = -1;
        var timedOut = false;
        while (true)
        {
            await Task.Delay(PollInterval, cancellationToken);
            long total = 0;
            foreach (var log in logs)
            {
                total += log.Received;
            }

            if (publish.IsFaulted || publish.IsCanceled)
            {
                await publish;
            }

            if (total == expected && publish.IsCompleted)
            {
                break;
            }

            if (total != lastTotal || !publish.IsCompleted)
            {
                lastTotal = total;
                sinceProgress.Restart();
            }
            else if (sinceProgress.Elapsed > options.StallTimeout)
            {
                timedOut = true;
                break;
            }

            if (elapsed.Elapsed > limit)
            {
                timedOut = true;
                break;
            }
        }

        var states = group.StateCounts();
        var published = await publish;
        var cpuUsed = cpu.Take() - cpuBefore;
        var stats = group.Stats.Snapshot() - statsBefore;
        return Reduce(group, published, variant, rate, expected, stats, cpuUsed, timedOut, options) with { SubscriberStates = states };
    }

    private static RunResult Reduce(
        ISubscriberGroup group,
        PublishResult published,
        PublishVariant variant,
        int? rate,
        long expected,
        SubscriberStatsSnapshot stats,
        CpuSnapshot cpuUsed,
        bool timedOut,
        BenchOptions options)
    {
        var latencies = new int[expected];
        var n = 0;
        long duplicates = 0, outOfOrder = 0, stray = 0, lastReceive = 0;
        var incomplete = 0;
        foreach (var log in group.Logs)
        {
            foreach (var us in log.LatencyUs)
            {
                if (us >= 0)
                {
                    latencies[n++] = us;
                }
            }

            incomplete += log.Received < options.Events ? 1 : 0;
            duplicates += log.Duplicates;
            outOfOrder += log.OutOfOrder;
            stray += log.Stray;
            lastReceive = Math.Max(lastReceive, log.LastReceiveTimestamp);
        }

        var seconds = n > 0 ? (double)(lastReceive - published.FirstTimestamp) / Stopwatch.Frequency : 0;
        return new RunResult
        {
            Variant = variant == PublishVariant.Paced ? "paced" : "max",
            Path = group.Path,
            Subscribers = group.Logs.Count,
            Events = options.Events,
            TargetRate = rate,
            PublishedPerSecond = published.PerSecond,
            StoredInStream = published.Stored,
            Expected = expected,
            Delivered = n,
            Duplicates = duplicates,
            OutOfOrder = outOfOrder,
            Stray = stray,
            Seconds = seconds,
            DeliveredPerSecond = seconds > 0 ? n / seconds : 0,
            LatencyMs = LatencyStats.FromMicroseconds(latencies.AsSpan(0, n)),
            CpuSeconds = cpuUsed,
            Reconnects = stats.Reconnects,
            ReconnectAdvice = stats.ReconnectAdvice,
            Resets = stats.Resets,
            GaveUp = stats.GaveUp,
            TimedOut = timedOut,
            IncompleteSubscribers = incomplete,
        };
    }
}
