using Gateway.Routing;
using Gateway.Sessions;

namespace Gateway.Presence;

/// <summary>
/// The session seam of presence: a session on a presence route makes its peer a member when it starts and lets it go
/// (after the grace) when it ends, whatever its transport. Sessions elsewhere cost one null check.
/// </summary>
internal sealed class PresenceSessionObserver(PresenceTracker tracker) : ISessionObserver
{
    private static readonly object Tracked = new();

    public void SessionStarted(PushSession session)
    {
        if (session.Route.Presence is not null && session.Peer is { } peer && tracker.Join(session.Route, session.Subject, peer))
        {
            session.Observation = Tracked;
        }
    }

    public void SessionEnded(PushSession session, CloseReason reason)
    {
        if (session.Observation == Tracked && session.Peer is { } peer)
        {
            tracker.Leave(session.Subject, peer, Linger(session.Route, session.Transport));
        }
    }

    /// <summary>
    /// How long a member stays after its last session: the route's grace, and for short polling also the longest interval
    /// the gateway may advise, since a poller is a member between its polls too.
    /// </summary>
    public static TimeSpan Linger(PushRoute route, TransportKind transport)
    {
        var grace = route.Presence?.Grace ?? TimeSpan.Zero;
        return transport == TransportKind.Polling ? grace + (route.AdaptivePoll?.Max ?? route.PollInterval) : grace;
    }
}
