namespace EdgeGateway.Client;

/// <summary>Full-jitter exponential back-off: uniform in <c>[0, min(max, base * 2^attempt))</c>.</summary>
internal static class FullJitter
{
    public static TimeSpan Delay(int attempt, TimeSpan baseDelay, TimeSpan maxDelay, Random random)
    {
        var cap = Math.Min(maxDelay.TotalMilliseconds, baseDelay.TotalMilliseconds * Math.Pow(2, Math.Clamp(attempt, 0, 30)));
        return TimeSpan.FromMilliseconds(Math.Max(0, cap) * random.NextDouble());
    }
}
