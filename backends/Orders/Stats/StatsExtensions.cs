using Backends.Orders.Events;
using Backends.Orders.Hosting;
using Microsoft.AspNetCore.Mvc;

namespace Backends.Orders.Stats;

internal static class StatsExtensions
{
    public static IServiceCollection AddRequestStats(this IServiceCollection services) =>
        services.AddSingleton<RequestStats>();

    /// <summary>Counts every request under /orders (not /stats or /healthz, so that reading the count does not move it).</summary>
    public static IApplicationBuilder UseRequestStats(this IApplicationBuilder app)
    {
        var stats = app.ApplicationServices.GetRequiredService<RequestStats>();
        return app.Use((context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/orders", StringComparison.OrdinalIgnoreCase))
            {
                stats.Count();
            }

            return next(context);
        });
    }

    /// <summary>GET /healthz, GET /stats and DELETE /stats (reset the count).</summary>
    public static IEndpointRouteBuilder MapHealthAndStats(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/healthz", ([FromServices] OrderEventPublisher events) => TypedResults.Json(
            new HealthBody("ok", events.State, events.Pending, events.Dropped), OrdersJsonContext.Default.HealthBody));
        endpoints.MapGet("/stats", ([FromServices] RequestStats stats) =>
            TypedResults.Json(new StatsBody(stats.Requests), OrdersJsonContext.Default.StatsBody));
        endpoints.MapDelete("/stats", ([FromServices] RequestStats stats) =>
        {
            stats.Reset();
            return TypedResults.NoContent();
        });
        return endpoints;
    }
}
