using Microsoft.Extensions.DependencyInjection.Extensions;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Routing;

internal static class RoutingServiceCollectionExtensions
{
    public static IServiceCollection AddGatewayRouting(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PushOptions>().BindConfiguration(PushOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<PushRouteTable>();
        services.AddSingleton<Yarp.ReverseProxy.Configuration.IConfigChangeListener, ConfigReloadListener>();
        services.AddReverseProxy()
            .LoadFromConfig(configuration.GetSection("ReverseProxy"))
            .AddConfigFilter<PushConfigFilter>()

            // A push client's token in the query is for the gateway only: never forwarded to a backend (docs/security.md).
            .AddTransforms(context => context.AddQueryRemoveKey("access_token"));
        return services;
    }
}
