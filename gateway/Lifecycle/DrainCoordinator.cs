using Gateway.Sessions;
using Microsoft.Extensions.Options;

namespace Gateway.Lifecycle;

/// <summary>
/// Drains the instance: readiness fails at once, new push connections are refused, held long polls complete at once,
/// streaming sessions are asked to reconnect in paced batches over the window with jittered advice (so the other
/// instances see a ramp, not a spike), and what is left after the window plus a grace is aborted.
/// </summary>
internal sealed partial class DrainCoordinator(
    SessionRegistry sessions,
    IOptions<DrainOptions> options,
    Observability.GatewayMetrics metrics,
    TimeProvider time,
    ILogger<DrainCoordinator> logger)
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);
    private readonly Lock _lock = new();
    private Task? _drain;

    public bool IsDraining => Volatile.Read(ref _drain) is not null;

    /// <summary>Starts the drain (idempotent) and returns the task that completes when no session is left.</summary>
    public Task DrainAsync()
    {
        lock (_lock)
        {
            return _drain ??= Task.Run(RunAsync);
        }
    }

    /// <summary>What a refused client is told to wait: somewhere inside the window, so they do not all return at once.</summary>
    public TimeSpan RetryAfter() => TimeSpan.FromSeconds(1 + (Random.Shared.NextDouble() * Math.Max(1, options.Value.Window.TotalSeconds / 3)));

    /// <summary>Aborts every session now (the host could not wait for the drain to finish).</summary>
    public void AbortAll()
    {
        foreach (var s in sessions.Sessions)
        {
            s.Abort(CloseReason.Shutdown);
        }
    }

    private async Task RunAsync()
    {
        var window = options.Value.Window;
        var grace = options.Value.Grace;
        metrics.Draining.Set(1);
        Log.DrainStarted(logger, sessions.Count, window.TotalSeconds);
        var started = time.GetTimestamp();

        // Held long polls answer at once; they hold no stream to pace.
        foreach (var s in sessions.Sessions)
        {
            if (s.Mode != SessionMode.Stream)
            {
                s.RequestClose(CloseReason.Draining, TimeSpan.FromMilliseconds(Random.Shared.Next(0, 1000)));
            }
        }

        var queue = new Queue<PushSession>(sessions.Sessions.Where(s => s.Mode == SessionMode.Stream).OrderBy(_ => Random.Shared.Next()));
        var queued = new HashSet<long>(queue.Select(s => s.Id));
        var total = Math.Max(1, queue.Count);
        while (time.GetElapsedTime(started) < window)
        {
            var elapsed = time.GetElapsedTime(started);

            // Close in proportion to the time elapsed: an even ramp over the window.
            var due = (int)Math.Ceiling(total * Math.Min(1, (elapsed + Tick) / window)) - (total - queue.Count);
            while (due-- > 0 && queue.TryDequeue(out var session))
            {
                session.RequestClose(CloseReason.Draining, TimeSpan.FromMilliseconds(Random.Shared.Next(250, 2000)));
            }

            // Sessions that connected since the drain began (none should) are closed too.
            foreach (var s in sessions.Sessions)
            {
                if (s.RequestedClose is null && !queued.Contains(s.Id))
                {
                    s.RequestClose(CloseReason.Draining, RetryAfter());
                }
            }

            metrics.DrainRemaining.Set(sessions.Count);
            if (sessions.Count == 0 && queue.Count == 0)
            {
                break;
            }

            await Task.Delay(Tick, time);
        }

        while (queue.TryDequeue(out var session))
        {
            session.RequestClose(CloseReason.Draining, RetryAfter());
        }

        var graceStart = time.GetTimestamp();
        while (sessions.Count > 0 && time.GetElapsedTime(graceStart) < grace)
        {
            metrics.DrainRemaining.Set(sessions.Count);
            await Task.Delay(Tick, time);
        }

        var aborted = 0;
        foreach (var s in sessions.Sessions)
        {
            s.Abort(CloseReason.Shutdown);
            aborted++;
        }

        metrics.DrainRemaining.Set(0);
        Log.DrainFinished(logger, time.GetElapsedTime(started).TotalSeconds, aborted);
    }

    private static partial class Log
    {
        [LoggerMessage(4000, LogLevel.Warning, "Draining {Sessions} sessions over {WindowSeconds} s")]
        public static partial void DrainStarted(ILogger logger, int sessions, double windowSeconds);

        [LoggerMessage(4001, LogLevel.Warning, "Drain finished after {Seconds:F1} s; {Aborted} sessions aborted")]
        public static partial void DrainFinished(ILogger logger, double seconds, int aborted);
    }
}
