using Backends.Catalog.Hosting;
using Microsoft.AspNetCore.Mvc;

namespace Backends.Catalog.Stats;

internal static class StatsExtensions
{
    public static IServiceCollection AddRequestStats(this IServiceCollection services) =>
        services.AddSingleton<RequestStats>();

    /// <summary>
    /// Counts every request under /items, failed ones included (not /stats, /healthz or /admin, so that
    /// reading the count does not move it).
    /// </summary>
    public static IApplicationBuilder UseRequestStats(this IApplicationBuilder app)
    {
        var stats = app.ApplicationServices.GetRequiredService<RequestStats>();
        return app.Use(async (context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments("/items", StringComparison.OrdinalIgnoreCase))
            {
                await next(context);
                return;
            }

            stats.CountRequest(context.Request.Method);
            await next(context);
            if (context.Response.StatusCode == StatusCodes.Status304NotModified)
            {
                stats.CountNotModified();
            }
        });
    }

    /// <summary>GET /healthz, GET /stats and DELETE /stats (reset the counts).</summary>
    public static IEndpointRouteBuilder MapHealthAndStats(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/healthz", () => TypedResults.Text("ok"));
        endpoints.MapGet("/stats", ([FromServices] RequestStats stats) =>
            TypedResults.Json(stats.Snapshot(), CatalogJsonContext.Default.StatsBody));
        endpoints.MapDelete("/stats", ([FromServices] RequestStats stats) =>
        {
            stats.Reset();
            return TypedResults.NoContent();
        });
        return endpoints;
    }
}
