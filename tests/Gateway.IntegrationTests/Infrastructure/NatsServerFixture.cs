using NATS.Client.Core;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>
/// A real nats-server with JetStream for a test collection (<c>[Collection("nats")]</c>), or on its own through
/// <see cref="LaunchAsync"/> for tests that break the broker and should not share it. Where the server comes
/// from is decided by <see cref="NatsServerLocator"/>; there is no silent skip when none can be had.
/// </summary>
/// <remarks>
/// Tests in one collection run one after another, so a test that stops or kills the shared server must start it
/// again before it ends (in a <c>finally</c>).
/// </remarks>
public sealed class NatsServerFixture : IAsyncLifetime, IAsyncDisposable
{
    private static readonly TimeSpan OperationTimeout = TimeSpan.FromSeconds(60);

    private readonly IMessageSink? diagnostics;
    private INatsServer? server;

    public NatsServerFixture(IMessageSink? diagnostics = null) => this.diagnostics = diagnostics;

    /// <summary>Client URL, e.g. <c>nats://127.0.0.1:40123</c>; unchanged by restarts.</summary>
    public string Url => Server.Url;

    /// <summary>HTTP monitoring URL, e.g. <c>http://127.0.0.1:40124</c> (for <c>/subsz</c>, <c>/varz</c>, <c>/jsz</c>).</summary>
    public string MonitorUrl => Server.MonitorUrl;

    /// <summary>Which server this is (binary, container or external) and where.</summary>
    public string Description => Server.Description;

    private INatsServer Server => server ?? throw new InvalidOperationException("The NATS fixture has not been initialised.");

    /// <summary>Starts a server of its own for one test; dispose it at the end of the test.</summary>
    public static async Task<NatsServerFixture> LaunchAsync(CancellationToken cancellationToken = default)
    {
        var fixture = new NatsServerFixture();
        await fixture.InitializeAsync(cancellationToken);
        return fixture;
    }

    public Task InitializeAsync() => InitializeAsync(CancellationToken.None);

    /// <summary>Starts the server again after <see cref="StopAsync"/> or <see cref="KillAsync"/>, on the same port and store; returns once JetStream is ready.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default) => Bounded(Server.StartAsync, cancellationToken);

    /// <summary>Shuts the server down gracefully (SIGTERM) and waits for it to exit.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => Bounded(Server.StopAsync, cancellationToken);

    /// <summary>Kills the server (SIGKILL), as a crash would, and waits for it to exit.</summary>
    public Task KillAsync(CancellationToken cancellationToken = default) => Bounded(Server.KillAsync, cancellationToken);

    /// <summary>A connection to this server, not yet connected (NATS.Net connects on first use).</summary>
    public NatsConnection CreateConnection(Func<NatsOpts, NatsOpts>? configure = null)
    {
        var opts = NatsOpts.Default with { Url = Url, Name = "gateway-tests" };
        return new NatsConnection(configure is null ? opts : configure(opts));
    }

    /// <summary>A connection to this server that has connected.</summary>
    public async Task<NatsConnection> ConnectAsync(Func<NatsOpts, NatsOpts>? configure = null, CancellationToken cancellationToken = default)
    {
        var connection = CreateConnection(configure);
        try
        {
            await connection.ConnectAsync().AsTask().WaitAsync(OperationTimeout, cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        var current = Interlocked.Exchange(ref server, null);
        if (current is not null)
        {
            await current.DisposeAsync();
        }
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    private async Task InitializeAsync(CancellationToken cancellationToken)
    {
        server = await NatsServerLocator.LaunchAsync(cancellationToken);
        diagnostics?.OnMessage(new DiagnosticMessage($"NATS fixture: {server.Description}"));
    }

    private static async Task Bounded(Func<CancellationToken, Task> operation, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(OperationTimeout);
        await operation(cts.Token);
    }
}
