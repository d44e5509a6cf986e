namespace Backends.Orders.Store;

/// <summary>One order as stored and as sent on the wire (REST bodies and NATS payloads alike).</summary>
/// <param name="Version">Taken from one store-wide counter, so a version (and the ETag made from it) is never
/// reused, not even by an order deleted and created again under the same id.</param>
internal sealed record Order(string Id, string Status, string Item, int Quantity, long Version, DateTimeOffset UpdatedAt)
{
    /// <summary>The strong entity tag of this representation.</summary>
    public string ETag() => $"\"v{Version}\"";
}
