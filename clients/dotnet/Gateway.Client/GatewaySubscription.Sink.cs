using System.Text.Json;
using EdgeGateway.Client.Transports;

namespace EdgeGateway.Client;

/// <summary>What the transports report: cursor, dedupe and state live here once for all four.</summary>
public sealed partial class GatewaySubscription : IConnectionSink
{
    string? IConnectionSink.Cursor => Volatile.Read(ref cursor);

    void IConnectionSink.Opened(GatewayTransport opened, IUpstreamChannel? channel)
    {
        lock (gate)
        {
            transport = opened;
            upstream = channel;
        }

        // The transport works, so the gateway has counted the fallback that led here.
        pendingFallback = null;
        Report(new GatewayStateChange(GatewayState.Connected) { Transport = opened });
    }

    void IConnectionSink.Closed()
    {
        lock (gate)
        {
            transport = null;
            upstream = null;
        }
    }

    async ValueTask IConnectionSink.DeliverAsync(string id, string eventType, JsonElement data, CancellationToken cancellationToken)
    {
        // At-least-once: a resume may repeat events the client already has; the gateway never repeats one on one connection.
        if (!recent.Add(id))
        {
            return;
        }

        await events.Writer.WriteAsync(new GatewayEvent(id, eventType, data), cancellationToken);
        Volatile.Write(ref cursor, id);
    }

    void IConnectionSink.Reset(string newCursor)
    {
        var stale = Interlocked.Exchange(ref cursor, newCursor);
        options.OnReset?.Invoke(new GatewayReset(stale, newCursor));
        Report(new GatewayStateChange(GatewayState.Reset) { Cursor = newCursor, Transport = Transport });
    }

    void IConnectionSink.Gap(string newCursor, long skipped)
    {
        Volatile.Write(ref cursor, newCursor);
        options.OnGap?.Invoke(new GatewayGap(newCursor, skipped));
    }

    void IConnectionSink.Advance(string newCursor) => Volatile.Write(ref cursor, newCursor);
}
