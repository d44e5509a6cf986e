using Backends.Orders.Hosting;
using Backends.Orders.Store;

namespace Backends.Orders.Api;

/// <summary>The answers the orders API gives, with their headers, in one place.</summary>
internal static class ApiResults
{
    public static IResult Error(int statusCode, string message) =>
        TypedResults.Json(new ErrorBody(message), OrdersJsonContext.Default.ErrorBody, statusCode: statusCode);

    public static IResult NotFound(string id) => Error(StatusCodes.Status404NotFound, $"order '{id}' not found");

    /// <summary>An order representation with its ETag; 201 and a Location when it was just created.</summary>
    public static IResult Order(HttpResponse response, Order order, bool created = false)
    {
        response.Headers.ETag = order.ETag();
        response.Headers.CacheControl = "no-cache";
        if (created)
        {
            response.Headers.Location = $"/orders/{order.Id}";
        }

        return TypedResults.Json(order, OrdersJsonContext.Default.Order,
            statusCode: created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
    }
}
