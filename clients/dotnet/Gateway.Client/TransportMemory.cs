using System.Collections.Concurrent;

namespace EdgeGateway.Client;

/// <summary>
/// Remembers, per client, transports that connected but did not deliver, so the next connect skips straight to what
/// worked instead of paying the probe again (the network that broke them usually still does).
/// </summary>
internal sealed class TransportMemory(TimeProvider time, TimeSpan period)
{
    private readonly ConcurrentDictionary<GatewayTransport, DateTimeOffset> demoted = new();

    public void Demote(GatewayTransport transport)
    {
        if (period > TimeSpan.Zero)
        {
            demoted[transport] = time.GetUtcNow() + period;
        }
    }

    public bool IsDemoted(GatewayTransport transport) =>
        demoted.TryGetValue(transport, out var until) && until > time.GetUtcNow();

    /// <summary>The candidates without the demoted ones; all of them when every one is demoted (something must be tried).</summary>
    public List<GatewayTransport> Filter(List<GatewayTransport> candidates)
    {
        var kept = candidates.Where(t => !IsDemoted(t)).ToList();
        return kept.Count > 0 ? kept : candidates;
    }
}
