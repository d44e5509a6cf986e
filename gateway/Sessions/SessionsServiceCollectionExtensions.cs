using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gateway.Sessions;

internal static class SessionsServiceCollectionExtensions
{
    public static IServiceCollection AddGatewaySessions(this IServiceCollection services)
    {
        services.TryAddSingleton<TopicRegistry>();
        services.TryAddSingleton<SessionRegistry>();
        services.TryAddSingleton<SessionServices>();
        services.TryAddSingleton<SessionHost>();
        services.TryAddSingleton<SessionSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<SessionSweeper>());
        return services;
    }
}
