namespace Gateway.Bench.Scenarios;

/// <summary>Which gateway transport the subscribers use; the baseline is core NATS in both.</summary>
internal enum ScenarioKind
{
    /// <summary>Server-Sent Events (the "fanout" scenario).</summary>
    Fanout,

    WebSocket,
}
