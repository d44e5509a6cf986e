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
        services.TryAddSingleton<PushMiddleware>();
        return services;
    }

    /// <summary>Serves push requests on the routes YARP matched, after routing and before the proxy endpoint.</summary>
    public static WebApplication UsePush(this WebApplication app)
    {
        var middleware = app.Services.GetRequiredService<PushMiddleware>();
        app.UseRouting();

        // Authorization runs on the matched route (YARP's AuthorizationPolicy), before push and before the proxy.
        app.UseAuthentication();
        app.UseAuthorization();
        app.Use((context, next) => middleware.InvokeAsync(context, () => next(context)));
        return app;
    }
}
