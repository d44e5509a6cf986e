namespace EdgeGateway.Client.Transports;

/// <summary>What the subscription does after a connection ended.</summary>
internal enum OutcomeKind
{
    /// <summary>The transport does not work on this network: try the next one.</summary>
    FallBack,

    /// <summary>The transport worked (or the gateway asked us to come back): renegotiate after a delay on the same chain.</summary>
    Reconnect,

    /// <summary>The gateway refused for good (auth, bad route, policy close codes): stop.</summary>
    Fail,
}
