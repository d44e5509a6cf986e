namespace Gateway.Lifecycle;

/// <summary>
/// SIGTERM drains before the server stops: <see cref="IHostedLifecycleService.StoppingAsync"/> runs before any hosted
/// service (Kestrel included) stops, so sessions are moved while the listener still answers REST and refusals.
/// </summary>
internal sealed class DrainOnShutdownService(DrainCoordinator drain) : IHostedLifecycleService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        try
        {
            await drain.DrainAsync().WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The host's shutdown timeout ran out first: what is left is aborted; clients resume by cursor elsewhere.
            drain.AbortAll();
        }
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
