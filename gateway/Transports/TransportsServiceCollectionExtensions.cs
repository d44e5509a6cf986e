using Gateway.Transports.LongPolling;
using Gateway.Transports.Negotiate;
using Gateway.Transports.Polling;
using Gateway.Transports.Sse;
using Gateway.Transports.Upstream;
using Gateway.Transports.WebSockets;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gateway.Transports;

internal static class TransportsServiceCollectionExtensions
{
    public static IServiceCollection AddGatewayTransports(this IServiceCollection services)
    {
        services.AddSingleton<IPushTransport, WebSocketTransport>();
        services.AddSingleton<IPushTransport, SseTransport>();
        services.AddSingleton<IPushTransport, LongPollingTransport>();
        services.AddSingleton<IPushTransport, PollingTransport>();
        services.TryAddSingleton<NegotiateEndpoint>();
        services.TryAddSingleton<UpstreamPublisher>();
        services.TryAddSingleton<PushAdmission>();
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
