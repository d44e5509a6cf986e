using Gateway.Routing;

namespace Gateway.Sessions;

/// <summary>
/// How one transport writes. The session owns subscription, cursor, lag and metrics; a transport only says how bytes go
/// out (SignalR's IHttpTransport idea, turned around so the loop lives once).
/// </summary>
internal interface ISessionWriter
{
    TransportKind Transport { get; }

    /// <summary>Writes a batch. For polls an empty batch is the "nothing new" answer.</summary>
    ValueTask WriteEventsAsync(IReadOnlyList<EventEntry> events, Cursor cursor, CancellationToken cancellationToken);

    ValueTask WriteHeartbeatAsync(CancellationToken cancellationToken);

    /// <summary>The cursor cannot be served: the client must refetch state; delivery continues from <paramref name="cursor"/>.</summary>
    ValueTask WriteResetAsync(Cursor cursor, CancellationToken cancellationToken);

    /// <summary>Events were skipped (drop-oldest policy).</summary>
    ValueTask WriteGapAsync(Cursor cursor, long skipped, CancellationToken cancellationToken);

    /// <summary>Ends the session with reconnect advice where the reason calls for it.</summary>
    ValueTask CloseAsync(CloseReason reason, TimeSpan retryAfter, Cursor cursor, CancellationToken cancellationToken);
}
