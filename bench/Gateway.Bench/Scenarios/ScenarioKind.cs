namespace Gateway.Bench.Scenarios;

/// <summary>What a scenario measures. <c>fanout</c> and <c>websocket</c> compare one transport with core NATS; the others
/// exercise the gateway's edge features (drain, connect limits, notify on write).</summary>
internal enum ScenarioKind
{
    /// <summary>Server-Sent Events (the "fanout" scenario).</summary>
    Fanout,

    WebSocket,

    /// <summary>Long polling (held <c>wait=30</c> polls back to back): idle memory per held poll and delivery cost.</summary>
    LongPolling,

    /// <summary>Two instances; one drains while clients of all four transports move to the other by cursor.</summary>
    Drain,

    /// <summary>A reconnect storm against the global connect bucket, with management and REST latency probes.</summary>
    Storm,

    /// <summary>Notify on write: a PUT through the gateway reaching every SSE subscriber as a <c>changed</c> event.</summary>
    Notify,

    /// <summary>Adaptive short polling: N pollers on a quiet and on a busy subject, obeying X-Poll-Interval, and their 304s.</summary>
    Polling,

    /// <summary>The gateway against nchan, a bare Kestrel fan-out floor, nginx and a bare YARP app (<c>bench/peers.sh</c>).</summary>
    Peers,

    /// <summary>Hours of connect/drop/resume churn on every transport; memory and leftovers sampled (never in <c>all</c>).</summary>
    Soak,
}
