namespace EdgeGateway.Client;

/// <summary>What a subscription is doing; reported through <see cref="SubscribeOptions.OnState"/>.</summary>
public enum GatewayState
{
    /// <summary>Negotiating or opening a transport.</summary>
    Connecting,

    /// <summary>A transport is open and delivering (<see cref="GatewayStateChange.Transport"/> says which).</summary>
    Connected,

    /// <summary>A transport connected but did not deliver; the next one is tried (<see cref="GatewayStateChange.From"/>, <see cref="GatewayStateChange.Transport"/>, <see cref="GatewayStateChange.FallbackReason"/>).</summary>
    FellBack,

    /// <summary>Waiting before the next attempt (<see cref="GatewayStateChange.Delay"/>): back-off, <c>Retry-After</c> or the gateway's reconnect advice.</summary>
    BackingOff,

    /// <summary>The gateway could not serve the cursor; delivery continues from <see cref="GatewayStateChange.Cursor"/>. Refetch the resource over REST.</summary>
    Reset,

    /// <summary>The subscription was disposed or its token cancelled. Final.</summary>
    Closed,

    /// <summary>The subscription gave up (<see cref="GatewayStateChange.Error"/> says why). Final.</summary>
    Failed,
}
