using Backends.Orders.Events;
using Backends.Orders.Store;
using Microsoft.AspNetCore.Mvc;

namespace Backends.Orders.Api;

/// <summary>
/// POST, PUT, PATCH and DELETE. Each one reads the current order, checks If-Match/If-None-Match against it
/// and swaps in the result only if the order did not change meanwhile (else it starts over), so a
/// precondition is never checked against a stale order. Every change is published once it is stored.
/// </summary>
internal static class OrderWrites
{
    /// <summary>POST /orders: creates an order under a fresh numeric id.</summary>
    public static async Task<IResult> CreateAsync(HttpContext context, [FromServices] OrderStore store,
        [FromServices] OrderEventPublisher events, [FromServices] TimeProvider time)
    {
        var (input, error) = await OrderInputReader.ReadAsync(context.Request, null, context.RequestAborted);
        if (input is null)
        {
            return error!;
        }

        var order = input.Replace(store.NextId(), store.NextVersion(), time.GetUtcNow());
        while (!store.TrySwap(null, order))
        {
            order = order with { Id = store.NextId() };
        }

        events.Publish(OrderEventTypes.Created, order);
        return ApiResults.Order(context.Response, order, created: true);
    }

    /// <summary>PUT /orders/{id}: replaces the order, or creates it under that id.</summary>
    public static Task<IResult> PutAsync(string id, HttpContext context, [FromServices] OrderStore store,
        [FromServices] OrderEventPublisher events, [FromServices] TimeProvider time) =>
        WriteAsync(id, context, store, events, time, (input, current, version, now) =>
            input.Replace(id, version, now));

    /// <summary>PATCH /orders/{id}: changes the fields the body names; 404 when there is no such order.</summary>
    public static Task<IResult> PatchAsync(string id, HttpContext context, [FromServices] OrderStore store,
        [FromServices] OrderEventPublisher events, [FromServices] TimeProvider time) =>
        WriteAsync(id, context, store, events, time, (input, current, version, now) =>
            current is null ? null : input.Merge(current, version, now));

    /// <summary>POST /orders/{id}: creates the order under that id, or changes the fields the body names.</summary>
    public static Task<IResult> PostAsync(string id, HttpContext context, [FromServices] OrderStore store,
        [FromServices] OrderEventPublisher events, [FromServices] TimeProvider time) =>
        WriteAsync(id, context, store, events, time, (input, current, version, now) =>
            current is null ? input.Replace(id, version, now) : input.Merge(current, version, now));

    /// <summary>DELETE /orders/{id}: 204, or 404 when there is no such order.</summary>
    public static IResult Delete(string id, HttpContext context, [FromServices] OrderStore store,
        [FromServices] OrderEventPublisher events)
    {
        if (OrderId.Reject(id) is { } invalid)
        {
            return invalid;
        }

        while (true)
        {
            var current = store.Find(id);
            if (Preconditions.CheckWrite(context.Request, current) is { } failed)
            {
                return failed;
            }

            if (current is null)
            {
                return ApiResults.NotFound(id);
            }

            if (store.TryRemove(current))
            {
                events.Publish(OrderEventTypes.Deleted, current);
                return TypedResults.NoContent();
            }
        }
    }

    private static async Task<IResult> WriteAsync(string id, HttpContext context, OrderStore store,
        OrderEventPublisher events, TimeProvider time, Func<OrderInput, Order?, long, DateTimeOffset, Order?> change)
    {
        if (OrderId.Reject(id) is { } invalid)
        {
            return invalid;
        }

        var (input, error) = await OrderInputReader.ReadAsync(context.Request, id, context.RequestAborted);
        if (input is null)
        {
            return error!;
        }

        while (true)
        {
            var current = store.Find(id);
            if (Preconditions.CheckWrite(context.Request, current) is { } failed)
            {
                return failed;
            }

            var next = change(input, current, store.NextVersion(), time.GetUtcNow());
            if (next is null)
            {
                return ApiResults.NotFound(id);
            }

            if (store.TrySwap(current, next))
            {
                events.Publish(current is null ? OrderEventTypes.Created : OrderEventTypes.Updated, next);
                return ApiResults.Order(context.Response, next, created: current is null);
            }
        }
    }
}
