using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Backends.Catalog.Items;

/// <summary>In-memory catalog items, seeded with items 1..5. Writers swap an item only if it is still the one they read.</summary>
internal sealed class CatalogStore
{
    private readonly ConcurrentDictionary<string, StoredItem> _items = new(StringComparer.Ordinal);
    private long _version;

    public CatalogStore()
    {
        for (var i = 1; i <= 5; i++)
        {
            var id = i.ToString(CultureInfo.InvariantCulture);
            TrySwap(null, Make(id, new JsonObject
            {
                ["name"] = $"Item {id}",
                ["price"] = 10m * i - 0.01m,
                ["stock"] = 10 * i,
            }));
        }
    }

    public IReadOnlyList<StoredItem> List() =>
        [.. _items.Values.OrderBy(i => i.Id.Length).ThenBy(i => i.Id, StringComparer.Ordinal)];

    public StoredItem? Find(string id) => _items.TryGetValue(id, out var item) ? item : null;

    /// <summary>The stored form of <paramref name="body"/> under <paramref name="id"/>, with a fresh version.</summary>
    public StoredItem Make(string id, JsonObject body)
    {
        // The id goes first and always matches the path; the rest is kept as the client sent it.
        var json = new JsonObject { ["id"] = id };
        foreach (var (name, value) in body)
        {
            if (name != "id")
            {
                json[name] = value?.DeepClone();
            }
        }

        return new StoredItem(id, System.Text.Encoding.UTF8.GetBytes(json.ToJsonString()), Interlocked.Increment(ref _version));
    }

    /// <summary>Stores <paramref name="next"/> if the item is still <paramref name="current"/> (null: still absent).</summary>
    public bool TrySwap(StoredItem? current, StoredItem next) =>
        current is null ? _items.TryAdd(next.Id, next) : _items.TryUpdate(next.Id, next, current);
}
