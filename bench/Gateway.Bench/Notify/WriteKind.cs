namespace Gateway.Bench.Notify;

/// <summary>How a run makes its <c>changed</c> events.</summary>
internal enum WriteKind
{
    /// <summary>The baseline: <c>POST /publish/items.1</c> on the management port, the same payload, event type <c>changed</c>.</summary>
    Publish,

    /// <summary>Notify on write: <c>PUT /items/1</c> through the gateway to the backend; the gateway publishes the event.</summary>
    Put,
}
