namespace Gateway.Watch;

/// <summary>Once a second, stops the watchers nobody has used for three of their intervals.</summary>
internal sealed class WatchSweeper(WatchRegistry watches, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                watches.Sweep();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
