using Gateway.Auth;
using Gateway.Broker;
using Gateway.Edge;
using Gateway.Edge.Idempotency;
using Gateway.Lifecycle;
using Gateway.Management;
using Gateway.Multiplexing;
using Gateway.Observability;
using Gateway.Observability.Tracing;
using Gateway.Presence;
using Gateway.Push;
using Gateway.Routing;
using Gateway.Sessions;
using Gateway.Transports;
using Gateway.Watch;

namespace Gateway.Hosting;

/// <summary>Builds and runs one gateway instance: used by Program, the integration tests and bench/.</summary>
public static class GatewayApplication
{
    private const string HostingDiagnostics = "Microsoft.AspNetCore.Hosting.Diagnostics";

    /// <summary>Builds the gateway. <paramref name="configure"/> lets tests add configuration or services.</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Configuration.AddGatewayConfigFile(args);
        builder.WebHost.UseKestrel(k => k.AddServerHeader = false);
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.IncludeScopes = true; o.TimestampFormat = "HH:mm:ss.fff "; });

        // Hosting's per-request diagnostics (an Activity and a log scope for every request) run whenever its logger is
        // enabled at all; off unless configured, since nothing else needs them (tracing brings its own listener).
        if (builder.Configuration[$"Logging:LogLevel:{HostingDiagnostics}"] is null)
        {
            builder.Logging.AddFilter(HostingDiagnostics, LogLevel.None);
        }

        builder.Services
            .AddGatewayObservability()
            .AddGatewayTracing(builder.Configuration)
            .AddGatewayBroker()
            .AddGatewayRouting(builder.Configuration)
            .AddGatewayAuth(builder.Configuration)
            .AddGatewaySessions()
            .AddGatewayPresence()
            .AddGatewayTransports()
            .AddGatewayPush()
            .AddGatewayMultiplexing()
            .AddGatewayWatch()
            .AddGatewayEdge()
            .AddGatewayLifecycle()
            .AddGatewayManagement();

        builder.Services.AddOptions<ServerLimitOptions>().BindConfiguration(ServerLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<Microsoft.Extensions.Options.IConfigureOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>, ServerLimitsSetup>();

        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseGatewayManagement();
        app.UseGatewayEdge();
        app.UsePush();
        app.MapStreams();
        app.MapReverseProxy(proxy =>
        {
            proxy.UseProxyMetrics();
            proxy.UseIdempotentWrites();
            proxy.UseNotifyOnWrite();
            proxy.UseEdgeETags();
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
        return app;
    }

    /// <summary>Runs until shutdown; a configuration that cannot be loaded prints every error and exits 2.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        WebApplication app;
        try
        {
            app = Build(args);
            await app.StartAsync();
        }
        catch (Exception ex) when (StartupErrors.IsConfigurationError(ex))
        {
            await Console.Error.WriteLineAsync(StartupErrors.Describe(ex));
            return 2;
        }

        await app.WaitForShutdownAsync();
        await app.DisposeAsync();
        return 0;
    }
}
