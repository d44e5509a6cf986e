using System.Collections.Concurrent;
using System.Globalization;

namespace Backends.Orders.Store;

/// <summary>
/// In-memory orders. Writers read the current order, check their preconditions against it and then swap it
/// for the new one only if nobody changed it in between (compare-and-swap); on a lost race they start over.
/// </summary>
internal sealed class OrderStore
{
    private readonly ConcurrentDictionary<string, Order> _orders = new(StringComparer.Ordinal);
    private long _version;
    private long _lastNumericId;

    public IReadOnlyList<Order> List() =>
        [.. _orders.Values.OrderBy(o => o.Id.Length).ThenBy(o => o.Id, StringComparer.Ordinal)];

    public Order? Find(string id) => _orders.TryGetValue(id, out var order) ? order : null;

    public long NextVersion() => Interlocked.Increment(ref _version);

    /// <summary>A numeric id no order uses yet, for POST /orders.</summary>
    public string NextId()
    {
        while (true)
        {
            var id = Interlocked.Increment(ref _lastNumericId).ToString(CultureInfo.InvariantCulture);
            if (!_orders.ContainsKey(id))
            {
                return id;
            }
        }
    }

    /// <summary>Stores <paramref name="next"/> if the order is still <paramref name="current"/> (null: still absent).</summary>
    public bool TrySwap(Order? current, Order next) =>
        current is null ? _orders.TryAdd(next.Id, next) : _orders.TryUpdate(next.Id, next, current);

    /// <summary>Removes the order if it is still <paramref name="current"/>.</summary>
    public bool TryRemove(Order current) => _orders.TryRemove(KeyValuePair.Create(current.Id, current));
}
