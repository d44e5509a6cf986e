using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gateway.Edge;

internal static class EdgeExtensions
{
    public static IServiceCollection AddGatewayEdge(this IServiceCollection services)
    {
        services.AddOptions<LimitOptions>().BindConfiguration(LimitOptions.Section);
        services.AddOptions<DemoOptions>().BindConfiguration(DemoOptions.Section);
        services.TryAddSingleton<ConnectLimiter>();
        services.TryAddSingleton<EdgeCache>();
        services.TryAddSingleton<EdgeETagMiddleware>();
        services.TryAddSingleton<NotifyOnWriteMiddleware>();
        services.TryAddSingleton<ProxyMetricsMiddleware>();
        services.TryAddSingleton<UnavailableRetryAfterMiddleware>();
        return services;
    }

    /// <summary>Host-level edge features: WebSockets and the gateway's own static files (client and demo page).</summary>
    public static WebApplication UseGatewayEdge(this WebApplication app)
    {
        app.UseWebSockets();
        app.UseGatewayStaticFiles();
        return app;
    }

    public static IReverseProxyApplicationBuilder UseProxyMetrics(this IReverseProxyApplicationBuilder proxy)
    {
        var m = proxy.ApplicationServices.GetRequiredService<ProxyMetricsMiddleware>();
        proxy.Use((context, next) => m.InvokeAsync(context, next));
        return proxy;
    }

    public static IReverseProxyApplicationBuilder UseRetryAfterOnUnavailable(this IReverseProxyApplicationBuilder proxy)
    {
        var m = proxy.ApplicationServices.GetRequiredService<UnavailableRetryAfterMiddleware>();
        proxy.Use((context, next) => m.InvokeAsync(context, next));
        return proxy;
    }

    public static IReverseProxyApplicationBuilder UseEdgeETags(this IReverseProxyApplicationBuilder proxy)
    {
        var m = proxy.ApplicationServices.GetRequiredService<EdgeETagMiddleware>();
        proxy.Use((context, next) => m.InvokeAsync(context, next));
        return proxy;
    }

    public static IReverseProxyApplicationBuilder UseNotifyOnWrite(this IReverseProxyApplicationBuilder proxy)
    {
        var m = proxy.ApplicationServices.GetRequiredService<NotifyOnWriteMiddleware>();
        proxy.Use((context, next) => m.InvokeAsync(context, next));
        return proxy;
    }
}
