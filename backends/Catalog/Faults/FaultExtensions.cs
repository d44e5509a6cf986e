using Backends.Catalog.Hosting;
using Microsoft.AspNetCore.Mvc;

namespace Backends.Catalog.Faults;

internal static class FaultExtensions
{
    public static IServiceCollection AddFaults(this IServiceCollection services) =>
        services.AddSingleton<FaultInjection>();

    /// <summary>Delays and fails /items requests as /admin asked.</summary>
    public static IApplicationBuilder UseFaults(this IApplicationBuilder app)
    {
        var faults = app.ApplicationServices.GetRequiredService<FaultInjection>();
        return app.Use(async (context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments("/items", StringComparison.OrdinalIgnoreCase))
            {
                await next(context);
                return;
            }

            var delay = faults.State.DelayMs;
            if (delay > 0)
            {
                await Task.Delay(delay, context.RequestAborted);
            }

            var status = faults.TakeFailure();
            if (status == 0)
            {
                await next(context);
                return;
            }

            await ErrorBody.Result(status, "failure injected through /admin/fail").ExecuteAsync(context);
        });
    }

    /// <summary>
    /// POST /admin/fail?status=500[&amp;count=N] (status=0 clears), POST /admin/delay?ms=N, DELETE /admin/fail
    /// (clears everything), GET /admin/faults.
    /// </summary>
    public static IEndpointRouteBuilder MapFaultAdmin(this IEndpointRouteBuilder endpoints)
    {
        var admin = endpoints.MapGroup("/admin");
        admin.MapPost("/fail", ([FromServices] FaultInjection faults, int status, int? count) =>
            status is 0 or (>= 400 and <= 599)
                ? Json(faults.Fail(status, count ?? -1))
                : ErrorBody.Result(StatusCodes.Status400BadRequest, "status must be 0 or 400..599"));
        admin.MapPost("/delay", ([FromServices] FaultInjection faults, int ms) => Json(faults.Delay(ms)));
        admin.MapDelete("/fail", ([FromServices] FaultInjection faults) => Json(faults.Clear()));
        admin.MapGet("/faults", ([FromServices] FaultInjection faults) => Json(faults.State));
        return endpoints;
    }

    private static IResult Json(FaultState state) => TypedResults.Json(state, CatalogJsonContext.Default.FaultState);
}
