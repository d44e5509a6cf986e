namespace Backends.Orders.Events;

/// <summary>The values of the Gw-Event header on orders.{id}; the gateway relays them as the event type.</summary>
internal static class OrderEventTypes
{
    public const string Created = "order.created";
    public const string Updated = "order.updated";
    public const string Deleted = "order.deleted";
}
