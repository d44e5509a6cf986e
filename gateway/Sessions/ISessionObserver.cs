namespace Gateway.Sessions;

/// <summary>
/// A feature that follows sessions without taking part in delivery (presence): told on the session's own task when it
/// starts and when it ends, whatever the transport. Calls must be quick and must not throw; whatever the observer needs
/// to remember about the session goes in <see cref="PushSession.Observation"/>.
/// </summary>
internal interface ISessionObserver
{
    void SessionStarted(PushSession session);

    void SessionEnded(PushSession session, CloseReason reason);
}
