namespace Gateway.Bench.Subscribers;

/// <summary>The <c>type</c> of a WebSocket frame, as far as the benchmark cares.</summary>
internal enum FrameType
{
    None,
    Event,
    Reconnect,
    Reset,
    Other,
}
