using Gateway.Routing;
using Gateway.Sessions;

namespace Gateway.Transports.WebSockets;

/// <summary>
/// A multiplexed stream over one WebSocket: event frames carry <c>"path"</c>, so do reset, gap, reconnect, subscribed,
/// unsubscribed and error frames (docs/protocol.md). The socket's one send lock serialises every subscription's writes.
/// </summary>
internal sealed class MultiplexedWebSocketWire(WebSocketConnection connection, TimeSpan heartbeat, TimeProvider time) : MultiplexedWire(connection.Ended)
{
    private long _lastWrite = time.GetTimestamp();

    public override TransportKind Transport => TransportKind.WebSocket;

    public WebSocketConnection Connection => connection;

    public override async ValueTask WriteEventsAsync(PathWriter path, IReadOnlyList<EventEntry> events, Cursor cursor, CancellationToken cancellationToken)
    {
        await connection.WriteEventsAsync(path.Prefix, events, cancellationToken);
        Advance(path, cursor);
        Touch();
    }

    // Every subscription's session asks for heartbeats; one per interval on the wire is enough.
    public override ValueTask WriteHeartbeatAsync(CancellationToken cancellationToken)
    {
        if (time.GetElapsedTime(Volatile.Read(ref _lastWrite)) < heartbeat / 2)
        {
            return ValueTask.CompletedTask;
        }

        Touch();
        return connection.SendAsync(WebSocketFrames.Heartbeat, cancellationToken);
    }

    public override ValueTask WritePathSignalAsync(PathWriter path, PathSignal signal, CancellationToken cancellationToken)
    {
        var type = signal.Kind switch
        {
            PathSignalKind.Reset => "reset",
            PathSignalKind.Gap => "gap",
            _ => "reconnect",
        };
        if (signal.Kind != PathSignalKind.Reconnect)
        {
            Advance(path, signal.Cursor);
        }

        Touch();
        return connection.SendAsync(SignalFrame(type, path.Path, signal.Cursor.ToString(), signal), cancellationToken);
    }

    public override ValueTask WriteSubscribedAsync(PathWriter path, Cursor cursor, CancellationToken cancellationToken) =>
        connection.SendAsync(SignalFrame("subscribed", path.Path, cursor.ToString()), cancellationToken);

    public override ValueTask WriteRefusedAsync(string path, SubscriptionRefusal refusal, CancellationToken cancellationToken) =>
        connection.SendAsync(ErrorFrame(path, refusal), cancellationToken);

    public override ValueTask WriteUnsubscribedAsync(string path, CancellationToken cancellationToken) =>
        connection.SendAsync(SignalFrame("unsubscribed", path, null), cancellationToken);

    protected override ValueTask WriteConnectionCloseAsync(CloseReason reason, TimeSpan retryAfter, CancellationToken cancellationToken) =>
        connection.CloseAsync(reason, retryAfter, default, cancellationToken);

    public override void Abort() => connection.Abort();

    public override ValueTask<CloseReason> CompleteAsync(CloseReason reason) => connection.CompleteAsync(reason);

    public override async ValueTask DisposeAsync()
    {
        await connection.DisposeAsync();
        await base.DisposeAsync();
    }

    private void Touch() => Volatile.Write(ref _lastWrite, time.GetTimestamp());
}
