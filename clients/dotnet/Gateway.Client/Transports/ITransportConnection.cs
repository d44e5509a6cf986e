namespace EdgeGateway.Client.Transports;

/// <summary>
/// One transport: opens a connection, feeds the sink until the connection ends, and says how it ended, which decides
/// between falling back (it connected but did not deliver), reconnecting (it worked, then ended) and giving up.
/// Cancelling the token ends it with <see cref="OperationCanceledException"/>.
/// </summary>
internal interface ITransportConnection
{
    GatewayTransport Kind { get; }

    Task<ConnectionOutcome> RunAsync(ConnectionContext context, CancellationToken cancellationToken);
}
