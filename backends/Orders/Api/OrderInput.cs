using Backends.Orders.Store;

namespace Backends.Orders.Api;

/// <summary>
/// A request body for POST, PUT and PATCH. Every field is optional: PUT and create fill in defaults, PATCH
/// and POST on an existing order keep the current value (JSON merge-patch style). Version and updatedAt in a
/// body are ignored; the server owns them.
/// </summary>
internal sealed record OrderInput(string? Id, string? Status, string? Item, int? Quantity)
{
    private const int MaxStatusLength = 64;
    private const int MaxItemLength = 256;
    private const int MaxQuantity = 1_000_000;

    /// <summary>What is wrong with this body for the order <paramref name="routeId"/> (null: nothing).</summary>
    public string? Validate(string? routeId)
    {
        if (Id is not null && routeId is not null && Id != routeId)
        {
            return $"body id '{Id}' does not match the id in the path";
        }

        if (Status is not null && (Status.Length is 0 or > MaxStatusLength))
        {
            return $"status must be 1..{MaxStatusLength} characters";
        }

        if (Item is not null && Item.Length > MaxItemLength)
        {
            return $"item must be at most {MaxItemLength} characters";
        }

        return Quantity is < 0 or > MaxQuantity ? $"quantity must be 0..{MaxQuantity}" : null;
    }

    public Order Replace(string id, long version, DateTimeOffset now) =>
        new(id, Status ?? "new", Item ?? "", Quantity ?? 1, version, now);

    public Order Merge(Order current, long version, DateTimeOffset now) =>
        new(current.Id, Status ?? current.Status, Item ?? current.Item, Quantity ?? current.Quantity, version, now);
}
