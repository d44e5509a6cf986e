namespace EdgeGateway.Client;

/// <summary>
/// The last <c>capacity</c> event ids, to drop the duplicates that at-least-once delivery produces on resume. Bounded:
/// the oldest id is forgotten when a new one arrives at capacity.
/// </summary>
internal sealed class RecentIds(int capacity)
{
    private readonly HashSet<string> set = new(StringComparer.Ordinal);
    private readonly Queue<string> order = new();
    private readonly int capacity = Math.Max(1, capacity);

    /// <summary>Adds the id; false when it was already there (a duplicate).</summary>
    public bool Add(string id)
    {
        if (!set.Add(id))
        {
            return false;
        }

        order.Enqueue(id);
        if (order.Count > capacity)
        {
            set.Remove(order.Dequeue());
        }

        return true;
    }
}
