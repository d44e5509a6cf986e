using Backends.Orders.Hosting;
using Backends.Orders.Store;
using Microsoft.AspNetCore.Mvc;

namespace Backends.Orders.Api;

internal static class OrderReads
{
    public static IResult List([FromServices] OrderStore store) =>
        TypedResults.Json(store.List().ToArray(), OrdersJsonContext.Default.OrderArray);

    public static IResult Get(string id, HttpContext context, [FromServices] OrderStore store)
    {
        if (OrderId.Reject(id) is { } invalid)
        {
            return invalid;
        }

        var order = store.Find(id);
        if (order is null)
        {
            return ApiResults.NotFound(id);
        }

        if (Preconditions.IsNotModified(context.Request, order))
        {
            context.Response.Headers.ETag = order.ETag();
            context.Response.Headers.CacheControl = "no-cache";
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        return ApiResults.Order(context.Response, order);
    }
}
