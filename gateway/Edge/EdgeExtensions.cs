using Gateway.Edge.Idempotency;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Model;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Edge;

internal static class EdgeExtensions
{
    public static IServiceCollection AddGatewayEdge(this IServiceCollection services)
    {
        services.AddOptions<LimitOptions>().BindConfiguration(LimitOptions.Section);
        services.AddOptions<DemoOptions>().BindConfiguration(DemoOptions.Section);
        services.TryAddSingleton<RateLimits.EdgeRateLimiter>();
        services.TryAddSingleton<RateLimits.RateLimitRejection>();
        services.AddRateLimiter(_ => { });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<RateLimiterOptions>, RateLimits.RateLimitPolicies>());
        services.TryAddSingleton<EdgeCache>();
        services.TryAddSingleton<EdgeETagMiddleware>();
        services.TryAddSingleton<NotifyOnWriteMiddleware>();
        services.TryAddSingleton<ProxyMetricsMiddleware>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITransformProvider, UnavailableRetryAfter>());
        services.AddGatewayIdempotency();
        return services;
    }

    /// <summary>Host-level edge features: WebSockets and the gateway's own static files (client and demo page).</summary>
    public static WebApplication UseGatewayEdge(this WebApplication app)
    {
        app.UseWebSockets();
        app.UseGatewayStaticFiles();
        return app;
    }

    // Each step below is a RequestDelegate made once, not Use((context, next) => ...), which allocates a closure and a
    // delegate per request; a step a route does not use returns next(context) without an async state machine.
    public static IReverseProxyApplicationBuilder UseProxyMetrics(this IReverseProxyApplicationBuilder proxy)
    {
        var m = proxy.ApplicationServices.GetRequiredService<ProxyMetricsMiddleware>();
        proxy.Use(next => context => m.InvokeAsync(context, next));
        return proxy;
    }

    public static IReverseProxyApplicationBuilder UseEdgeETags(this IReverseProxyApplicationBuilder proxy)
    {
        var m = proxy.ApplicationServices.GetRequiredService<EdgeETagMiddleware>();
        proxy.Use(next => context => m.InvokeAsync(context, next));
        return proxy;
    }

    public static IReverseProxyApplicationBuilder UseNotifyOnWrite(this IReverseProxyApplicationBuilder proxy)
    {
        var m = proxy.ApplicationServices.GetRequiredService<NotifyOnWriteMiddleware>();
        var routes = proxy.ApplicationServices.GetRequiredService<Routing.PushRouteTable>();
        proxy.Use(next => context =>
            IsWrite(context.Request.Method) && routes.Get(context.GetReverseProxyFeature().Route.Config)?.Notify is not null
                ? m.InvokeAsync(context, () => next(context))
                : next(context));
        return proxy;
    }

    private static bool IsWrite(string method) =>
        HttpMethods.IsPost(method) || HttpMethods.IsPut(method) || HttpMethods.IsPatch(method) || HttpMethods.IsDelete(method);
}
