namespace EdgeGateway.Client;

/// <summary>How one subscription connects, falls back and resumes. Every property has a working default.</summary>
public sealed class SubscribeOptions
{
    /// <summary>
    /// The transports this client may use, in its order of preference; intersected with what the gateway offers.
    /// Default null: the gateway's order (websocket, sse, longpolling, polling).
    /// </summary>
    public IReadOnlyList<GatewayTransport>? Transports { get; init; }

    /// <summary>Resume after this event id. Default null: from the moment of the first negotiation.</summary>
    public string? Cursor { get; init; }

    /// <summary>Called on every state change, on the subscription's own task. An exception thrown here ends the subscription.</summary>
    public Action<GatewayStateChange>? OnState { get; init; }

    /// <summary>Called when the gateway could not serve the cursor: refetch the resource's state over REST.</summary>
    public Action<GatewayReset>? OnReset { get; init; }

    /// <summary>Called when the gateway skipped events for this subscriber (routes with the drop-oldest policy only).</summary>
    public Action<GatewayGap>? OnGap { get; init; }

    /// <summary>Back-off between failed attempts.</summary>
    public BackoffOptions Backoff { get; init; } = new();

    /// <summary>Default 10 s: the longest a negotiation, a WebSocket handshake or the response headers of a stream may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Default 5 s: an SSE stream whose first bytes do not arrive within this is being buffered by an intermediary (the
    /// gateway writes a <c>retry:</c> line at once), and the client falls back to long polling (<c>buffered</c>). Response
    /// headers that take longer than this (or than <see cref="ConnectTimeout"/>, if shorter) mean the same one hop
    /// further out (<c>timeout</c>).
    /// </summary>
    public TimeSpan SseProbeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Default 30 s: how long a long poll is held when nothing happens (the gateway clamps it to 1..55 s).</summary>
    public TimeSpan LongPollWait { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a stream may stay silent before it is considered dead and reopened. Default null: twice the heartbeat
    /// interval the gateway announced, plus 2 s.
    /// </summary>
    public TimeSpan? HeartbeatTimeout { get; init; }

    /// <summary>Default 1,024: how many recent event ids are remembered to drop the duplicates an at-least-once resume produces.</summary>
    public int DuplicateWindow { get; init; } = 1024;

    /// <summary>
    /// Default 1,024: events received but not yet consumed. When it is full the client stops reading, so the gateway's
    /// slow-consumer policy applies instead of this process's memory growing.
    /// </summary>
    public int BufferCapacity { get; init; } = 1024;
}
