using System.Text.Json;

namespace EdgeGateway.Client.Transports;

/// <summary>What a transport connection reports to its subscription: the subscription keeps cursor, dedupe and state once for all four.</summary>
internal interface IConnectionSink
{
    /// <summary>The resume point: the last event id, reset or poll cursor seen; null before the first negotiation.</summary>
    string? Cursor { get; }

    /// <summary>The transport opened and works; <paramref name="upstream"/> carries client messages on it (WebSocket only).</summary>
    void Opened(GatewayTransport transport, IUpstreamChannel? upstream);

    /// <summary>The transport ended.</summary>
    void Closed();

    /// <summary>An event: dropped when its id is a recent duplicate, else the cursor moves and it is queued for the reader.</summary>
    ValueTask DeliverAsync(string id, string eventType, JsonElement data, CancellationToken cancellationToken);

    /// <summary>The gateway could not serve the cursor; delivery continues from <paramref name="cursor"/>.</summary>
    void Reset(string cursor);

    /// <summary>The gateway skipped events (drop-oldest routes).</summary>
    void Gap(string cursor, long skipped);

    /// <summary>A poll answer's cursor: the resume point even when the answer carried no event.</summary>
    void Advance(string cursor);

    /// <summary>A working poll transport was refused for now (429/503) and waits <paramref name="delay"/> before polling on.</summary>
    void Throttled(string reason, TimeSpan delay);

    /// <summary>The bearer token for the next request, remembered so a 401/4401 can tell whether a fresh one would help.</summary>
    ValueTask<string?> AccessTokenAsync(CancellationToken cancellationToken);
}
