using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gateway.Lifecycle;

internal static class LifecycleServiceCollectionExtensions
{
    public static IServiceCollection AddGatewayLifecycle(this IServiceCollection services)
    {
        services.AddOptions<DrainOptions>().BindConfiguration(DrainOptions.Section).ValidateOnStart();
        services.TryAddSingleton<DrainCoordinator>();
        services.AddHostedService<DrainOnShutdownService>();

        // The host must wait longer than a drain, or SIGTERM would cut sessions before they were moved.
        services.AddOptions<HostOptions>().Configure<Microsoft.Extensions.Options.IOptions<DrainOptions>>((host, drain) =>
            host.ShutdownTimeout = drain.Value.Window + drain.Value.Grace + TimeSpan.FromSeconds(10));
        return services;
    }
}
