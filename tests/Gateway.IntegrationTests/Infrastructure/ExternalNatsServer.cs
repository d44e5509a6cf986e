namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>A nats-server the tests did not start (<c>NATS_URL</c>); it can be used but not stopped or restarted.</summary>
internal sealed class ExternalNatsServer : INatsServer
{
    public ExternalNatsServer(string url, string? monitorUrl)
    {
        Url = url.TrimEnd('/');
        MonitorUrl = (monitorUrl ?? $"http://{new Uri(Url).Host}:8222").TrimEnd('/');
    }

    public string Url { get; }

    public string MonitorUrl { get; }

    public string Description => $"external nats-server at {Url} (NATS_URL), monitoring at {MonitorUrl}";

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => throw NotControllable();

    public Task KillAsync(CancellationToken cancellationToken) => throw NotControllable();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static NotSupportedException NotControllable() => new(
        "NATS_URL points the tests at a server they do not control, so broker-fault tests cannot stop or restart it. "
        + "Unset NATS_URL to let the fixture start its own nats-server.");
}
