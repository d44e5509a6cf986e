namespace Gateway.Push.Upstream;

/// <summary>A per-connection token bucket for client publishes (burst = two seconds' worth). Not thread-safe: one receive loop owns it.</summary>
internal sealed class UpstreamBucket(int ratePerSecond, TimeProvider time)
{
    private readonly double _capacity = ratePerSecond * 2.0;
    private double _tokens = ratePerSecond * 2.0;
    private long _last = time.GetTimestamp();

    public bool TryTake()
    {
        var now = time.GetTimestamp();
        _tokens = Math.Min(_capacity, _tokens + (time.GetElapsedTime(_last, now).TotalSeconds * ratePerSecond));
        _last = now;
        if (_tokens < 1)
        {
            return false;
        }

        _tokens -= 1;
        return true;
    }
}
