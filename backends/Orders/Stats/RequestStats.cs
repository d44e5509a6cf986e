namespace Backends.Orders.Stats;

/// <summary>Counts requests to the orders API, so tests can see how often the gateway reached the backend.</summary>
internal sealed class RequestStats
{
    private long _requests;

    public long Requests => Interlocked.Read(ref _requests);

    public void Count() => Interlocked.Increment(ref _requests);

    public void Reset() => Interlocked.Exchange(ref _requests, 0);
}
