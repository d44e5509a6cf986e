namespace Backends.Catalog.Stats;

/// <summary>
/// Counts requests to /items, so tests can see how often the gateway reached the backend (for example that
/// N watching clients cost one GET per interval).
/// </summary>
internal sealed class RequestStats
{
    private long _requests;
    private long _gets;
    private long _puts;
    private long _notModified;

    public StatsBody Snapshot() => new(
        Interlocked.Read(ref _requests), Interlocked.Read(ref _gets), Interlocked.Read(ref _puts), Interlocked.Read(ref _notModified));

    public void CountRequest(string method)
    {
        Interlocked.Increment(ref _requests);
        if (HttpMethods.IsGet(method))
        {
            Interlocked.Increment(ref _gets);
        }
        else if (HttpMethods.IsPut(method))
        {
            Interlocked.Increment(ref _puts);
        }
    }

    public void CountNotModified() => Interlocked.Increment(ref _notModified);

    public void Reset()
    {
        Interlocked.Exchange(ref _requests, 0);
        Interlocked.Exchange(ref _gets, 0);
        Interlocked.Exchange(ref _puts, 0);
        Interlocked.Exchange(ref _notModified, 0);
    }
}
