using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gateway.Routing;

internal static class RoutingServiceCollectionExtensions
{
    public static IServiceCollection AddGatewayRouting(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PushOptions>().BindConfiguration(PushOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<PushRouteTable>();
        services.TryAddSingleton<EdgeSettingsTable>();
        services.TryAddSingleton<PushPathResolver>();
        services.AddSingleton<Yarp.ReverseProxy.Configuration.IConfigChangeListener, ConfigReloadListener>();
        services.AddReverseProxy()
            .LoadFromConfig(configuration.GetSection("ReverseProxy"))
            .AddConfigFilter<PushConfigFilter>()
            .AddTransforms(ForwardingTransforms.Apply)
            .ConfigureHttpClient((_, handler) => Observability.Tracing.ProxySpanPropagator.Apply(handler));
        return services;
    }
}
