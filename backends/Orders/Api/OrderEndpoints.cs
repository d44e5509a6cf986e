namespace Backends.Orders.Api;

internal static class OrderEndpoints
{
    /// <summary>The orders REST API under /orders.</summary>
    public static IEndpointRouteBuilder MapOrders(this IEndpointRouteBuilder endpoints)
    {
        var orders = endpoints.MapGroup("/orders");
        orders.MapGet("", OrderReads.List);
        orders.MapPost("", OrderWrites.CreateAsync);
        orders.MapGet("/{id}", OrderReads.Get);
        orders.MapPut("/{id}", OrderWrites.PutAsync);
        orders.MapPatch("/{id}", OrderWrites.PatchAsync);
        orders.MapPost("/{id}", OrderWrites.PostAsync);
        orders.MapDelete("/{id}", OrderWrites.Delete);
        return endpoints;
    }
}
