using System.Text.Json.Nodes;
using Gateway.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>
/// One gateway running in the test process on real Kestrel, built exactly as <c>Program</c> builds it
/// (<see cref="GatewayApplication.Build"/>), on loopback ports of its own and with its own <c>appsettings.json</c>.
/// </summary>
internal sealed class GatewayInstance : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan DefaultStopTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan DisposeStopTimeout = TimeSpan.FromSeconds(5);

    private readonly WebApplication app;
    private readonly GatewayConfigDirectory config;
    private readonly TestLoggerProvider logs;
    private bool stopped;

    private GatewayInstance(WebApplication app, GatewayConfigDirectory config, TestLoggerProvider logs, int publicPort, int managementPort)
    {
        this.app = app;
        this.config = config;
        this.logs = logs;
        PublicUrl = $"http://127.0.0.1:{publicPort}";
        ManagementUrl = $"http://127.0.0.1:{managementPort}";
        PublicClient = GatewayHttp.CreateClient(PublicUrl);
        ManagementClient = GatewayHttp.CreateClient(ManagementUrl);
    }

    /// <summary>Public listener, e.g. <c>http://127.0.0.1:40125</c> (no trailing slash).</summary>
    public string PublicUrl { get; }

    /// <summary>Management listener (<c>/healthz</c>, <c>/metrics</c>, <c>/admin/...</c>).</summary>
    public string ManagementUrl { get; }

    /// <summary>A client for the public listener; relative URIs resolve against <see cref="PublicUrl"/>.</summary>
    public HttpClient PublicClient { get; }

    /// <summary>A client for the management listener.</summary>
    public HttpClient ManagementClient { get; }

    /// <summary>The running application's services.</summary>
    public IServiceProvider Services => app.Services;

    /// <summary>The instance's <c>appsettings.json</c>.</summary>
    public string ConfigPath => config.FilePath;

    /// <summary>The gateway's recent log lines (Information and above), oldest first.</summary>
    public IReadOnlyList<string> Logs => logs.Lines;

    /// <summary>
    /// Builds and starts the gateway. A start-up failure (say, a configuration the gateway rejects) is thrown as
    /// the gateway threw it. <paramref name="configure"/> runs after the gateway's own registrations.
    /// </summary>
    public static async Task<GatewayInstance> StartAsync(
        GatewayLaunchOptions options, Action<WebApplicationBuilder>? configure = null, CancellationToken cancellationToken = default)
    {
        var config = GatewayConfigDirectory.Create(options.ConfigJson);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var publicPort = options.PublicPort != 0 ? options.PublicPort : FreePort.Next();
                var managementPort = options.ManagementPort != 0 ? options.ManagementPort : FreePort.Next();
                var logs = new TestLoggerProvider("gateway", options.Output);
                var app = GatewayApplication.Build(options.BuildArgs(publicPort, managementPort, config.FilePath), builder =>
                {
                    builder.Logging.ClearProviders();
                    builder.Logging.SetMinimumLevel(LogLevel.Information);

                    // Kestrel/hosting log every request at Information; the gateway's own logs say what matters.
                    builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
                    builder.Logging.AddProvider(logs);
                    configure?.Invoke(builder);
                });
                try
                {
                    using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    cts.CancelAfter(StartTimeout);
                    await app.StartAsync(cts.Token);
                    return new GatewayInstance(app, config, logs, publicPort, managementPort);
                }
                catch (Exception ex) when (attempt < 3 && options.PublicPort == 0 && options.ManagementPort == 0 && IsAddressInUse(ex))
                {
                    await app.DisposeAsync();
                }
                catch
                {
                    await app.DisposeAsync();
                    throw;
                }
            }
        }
        catch
        {
            config.Dispose();
            throw;
        }
    }

    /// <summary>Rewrites <c>appsettings.json</c> atomically; the gateway picks it up through its file watcher.</summary>
    public Task UpdateConfigAsync(string json, CancellationToken cancellationToken = default) => config.UpdateAsync(json, cancellationToken);

    /// <inheritdoc cref="UpdateConfigAsync(string, CancellationToken)"/>
    public Task UpdateConfigAsync(JsonNode json, CancellationToken cancellationToken = default) => config.UpdateAsync(json.ToJsonString(), cancellationToken);

    /// <summary>
    /// Stops the gateway as the host does on SIGTERM (drain included); after <paramref name="timeout"/>
    /// (default 30 s) the host stops waiting for graceful shutdown and aborts what is left.
    /// </summary>
    public async Task StopAsync(TimeSpan? timeout = null)
    {
        if (stopped)
        {
            return;
        }

        stopped = true;
        using var cts = new CancellationTokenSource(timeout ?? DefaultStopTimeout);
        await app.StopAsync(cts.Token);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync(DisposeStopTimeout);
        }
        finally
        {
            PublicClient.Dispose();
            ManagementClient.Dispose();
            await app.DisposeAsync();
            config.Dispose();
        }
    }

    private static bool IsAddressInUse(Exception ex) =>
        ex is AddressInUseException
        || ex.InnerException is AddressInUseException
        || (ex is IOException && ex.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase));
}
