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

        // The transport works, so the gateway has counted the fallback that led here, and the token was accepted.
        pendingFallback = null;
        tokenRetried = false;
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

    void IConnectionSink.Throttled(string reason, TimeSpan delay) =>
        Report(new GatewayStateChange(GatewayState.BackingOff) { Transport = Transport, Reason = reason, Delay = delay });

    ValueTask<string?> IConnectionSink.AccessTokenAsync(CancellationToken cancellationToken) => TokenAsync(cancellationToken);

    /// <summary>The client's bearer token for this subscription's next request; the last one is kept for <see cref="TokenRefreshedAsync"/>.</summary>
    private async ValueTask<string?> TokenAsync(CancellationToken cancellationToken)
    {
        var token = await client.AccessTokenAsync(cancellationToken);
        Volatile.Write(ref lastToken, token);
        return token;
    }

    /// <summary>
    /// After a 401 or a 4401 close: true when the token provider now gives a different token, so one more attempt may
    /// succeed (the gateway closes sessions whose token expired). Without a provider, or with the same token, it is final.
    /// </summary>
    private async Task<bool> TokenRefreshedAsync(Exception? error, CancellationToken cancellationToken)
    {
        if (error is not GatewayException { StatusCode: 401 } and not GatewayException { CloseCode: 4401 } || client.Options.AccessTokenProvider is null)
        {
            return false;
        }

        var used = Volatile.Read(ref lastToken);
        var fresh = await client.AccessTokenAsync(cancellationToken);
        return !string.IsNullOrEmpty(fresh) && !string.Equals(fresh, used, StringComparison.Ordinal);
    }
}
