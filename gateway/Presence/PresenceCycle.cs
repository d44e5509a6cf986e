namespace Gateway.Presence;

/// <summary>The instance's one presence timer: a refresh cycle every <see cref="PresenceTracker.Tick"/>, and the publisher of announcements.</summary>
internal sealed partial class PresenceCycle(PresenceTracker tracker, TimeProvider time, ILogger<PresenceCycle> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var announcing = tracker.RunAnnouncementsAsync(stoppingToken);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(PresenceTracker.Tick, time, stoppingToken);
                try
                {
                    await tracker.TickAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.CycleFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        try
        {
            await announcing;
        }
        catch (OperationCanceledException)
        {
        }

        await tracker.CloseAllAsync();
    }

    private static partial class Log
    {
        [LoggerMessage(8020, LogLevel.Error, "Presence refresh cycle failed")]
        public static partial void CycleFailed(ILogger logger, Exception exception);
    }
}
