namespace EdgeGateway.Client;

/// <summary>One state change of a subscription.</summary>
/// <param name="State">The new state.</param>
public sealed record GatewayStateChange(GatewayState State)
{
    /// <summary>The transport in use (<see cref="GatewayState.Connected"/>) or being tried next (<see cref="GatewayState.Connecting"/>, <see cref="GatewayState.FellBack"/>).</summary>
    public GatewayTransport? Transport { get; init; }

    /// <summary>For <see cref="GatewayState.FellBack"/>: the transport that was left.</summary>
    public GatewayTransport? From { get; init; }

    /// <summary>For <see cref="GatewayState.FellBack"/>: why the transport was left.</summary>
    public GatewayFallbackReason? FallbackReason { get; init; }

    /// <summary>For <see cref="GatewayState.BackingOff"/>: what caused the wait (<c>draining</c>, <c>rate_limited</c>, <c>closed</c>, <c>unreachable</c> ...).</summary>
    public string? Reason { get; init; }

    /// <summary>For <see cref="GatewayState.BackingOff"/>: how long the subscription waits.</summary>
    public TimeSpan? Delay { get; init; }

    /// <summary>For <see cref="GatewayState.Reset"/>: the cursor delivery continues from.</summary>
    public string? Cursor { get; init; }

    /// <summary>For <see cref="GatewayState.Failed"/> (and <see cref="GatewayState.BackingOff"/> after an error): what went wrong.</summary>
    public Exception? Error { get; init; }
}
