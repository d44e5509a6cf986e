using Gateway.Push.PollAdvice;
using Gateway.Push.Upstream;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gateway.Push;

internal static class PushServiceCollectionExtensions
{
    public static IServiceCollection AddGatewayPush(this IServiceCollection services)
    {
        services.TryAddSingleton<NegotiateEndpoint>();
        services.TryAddSingleton<UpstreamPublisher>();
        services.TryAddSingleton<UpstreamEndpoint>();
        services.TryAddSingleton<PushAdmission>();
        services.TryAddSingleton<WatchAcquisition>();
        services.TryAddSingleton<IInstanceLoad, InstanceLoad>();
        services.TryAddSingleton<PollIntervalAdvisor>();
        services.TryAddSingleton<PushMiddleware>();
        return services;
    }

    /// <summary>Serves push requests on the routes YARP matched, after routing and before the proxy endpoint.</summary>
    public static WebApplication UsePush(this WebApplication app)
    {
        var middleware = app.Services.GetRequiredService<PushMiddleware>();
        app.UseRouting();

        // Rate limits run on the matched route (YARP's RateLimiterPolicy; push routes default to gw-push) after
        // authentication, so an authenticated client is keyed by its subject, and before authorization, so a flood of
        // bad tokens is limited too. Authorization (YARP's AuthorizationPolicy) runs before push and before the proxy.
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        app.Use((context, next) => middleware.InvokeAsync(context, () => next(context)));
        return app;
    }
}
