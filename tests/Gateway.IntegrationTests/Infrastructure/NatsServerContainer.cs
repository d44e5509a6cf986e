using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Containers;

namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>
/// <c>nats:2.10</c> with JetStream, run through Testcontainers. Host ports are fixed at creation (not Docker's
/// random ones) so that a restarted container keeps its URL; the store lives in the container's filesystem,
/// which survives stop and start of the same container.
/// </summary>
internal sealed class NatsServerContainer : INatsServer
{
    private const string Image = "nats:2.10";
    private const int ClientPort = 4222;
    private const int MonitoringPort = 8222;

    // The first start may pull the image.
    private static readonly TimeSpan FirstStartTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan DockerCliTimeout = TimeSpan.FromSeconds(30);

    private readonly IContainer container;
    private readonly int port;
    private readonly int monitorPort;
    private bool running;

    private NatsServerContainer(IContainer container, int port, int monitorPort)
    {
        this.container = container;
        this.port = port;
        this.monitorPort = monitorPort;
    }

    public string Url => $"nats://{container.Hostname}:{port}";

    public string MonitorUrl => $"http://{container.Hostname}:{monitorPort}";

    public string Description => $"container {Image} ({container.Id}) at {Url}, monitoring at {MonitorUrl}";

    public static async Task<NatsServerContainer> LaunchAsync(CancellationToken cancellationToken)
    {
        var port = FreePort.Next();
        var monitorPort = FreePort.Next();
        var container = new ContainerBuilder(Image)
            .WithCommand("-js", "-sd", "/data", "-m", MonitoringPort.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithPortBinding(port, ClientPort)
            .WithPortBinding(monitorPort, MonitoringPort)
            .WithWaitStrategy(Wait.ForUnixContainer().UntilMessageIsLogged("Server is ready"))
            .Build();
        var server = new NatsServerContainer(container, port, monitorPort);
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(FirstStartTimeout);
            await container.StartAsync(cts.Token);
            server.running = true;
            await server.WaitReadyAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (running)
        {
            return;
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(ReadyTimeout);
        await container.StartAsync(cts.Token);
        running = true;

        // The log-message wait strategy already matches the first start's line, so check readiness ourselves.
        await WaitReadyAsync(cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // docker stop: SIGTERM, then SIGKILL after Docker's grace period.
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(ReadyTimeout);
        await container.StopAsync(cts.Token);
        running = false;
    }

    public async Task KillAsync(CancellationToken cancellationToken)
    {
        // Testcontainers has no kill; the CLI is known to work, since it is how the engine was detected.
        await DockerEngine.RunAsync(DockerCliTimeout, "kill", "--signal", "KILL", container.Id);

        // Bring Testcontainers' view of the container in line so that StartAsync starts it again.
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(ReadyTimeout);
        await container.StopAsync(cts.Token);
        running = false;
    }

    public ValueTask DisposeAsync() => container.DisposeAsync();

    private Task WaitReadyAsync(CancellationToken cancellationToken) =>
        NatsProbe.WaitReadyAsync(container.Hostname, port, MonitorUrl, ReadyTimeout, () => null, cancellationToken);
}
