using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gateway.Observability;

internal static class ObservabilityExtensions
{
    public static IServiceCollection AddGatewayObservability(this IServiceCollection services)
    {
        services.TryAddSingleton<GatewayMetrics>();
        return services;
    }
}
