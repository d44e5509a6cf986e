namespace Gateway.Bench.Subscribers;

/// <summary>Where a gateway client is, for the diagnosis of a run that did not complete.</summary>
internal enum SubscriberState
{
    Connecting,
    Receiving,
    WaitingToReconnect,
    Stopped,
}
