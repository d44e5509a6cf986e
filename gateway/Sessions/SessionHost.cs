using Gateway.Broker;
using Gateway.Routing;

namespace Gateway.Sessions;

/// <summary>
/// Where sessions come from: the push endpoint subscribes to a subject (a reference on its shared topic), then runs a
/// session on that subscription with the writer and end signal its transport made. Resolving the cursor, registering
/// for limits, drain and the sweep, and the session's logging scope happen here, once for every transport.
/// </summary>
internal sealed partial class SessionHost(
    TopicRegistry topics,
    SessionRegistry registry,
    SessionServices services,
    IEnumerable<ISessionObserver> observers,
    ILogger<SessionHost> logger)
{
    private readonly ISessionObserver[] _observers = [.. observers];

    public SessionServices Services => services;

    /// <summary>A reference on the subject's topic, opening the broker subscription if needed; dispose to release.</summary>
    /// <exception cref="BrokerUnavailableException">No feed for the subject now.</exception>
    public async ValueTask<Subscription> SubscribeAsync(string subject, CancellationToken cancellationToken) =>
        new(topics, await topics.AcquireAsync(subject, cancellationToken));

    /// <summary>A reference on an already open, healthy topic, or false; never opens a broker subscription.</summary>
    public bool TryAcquireOpen(string subject, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Topic? topic) => topics.TryAcquireOpen(subject, out topic);

    public void Release(Topic topic) => topics.Release(topic);

    /// <summary>Opens the subject's topic in the background (it lingers), so later requests find it open.</summary>
    public void Warm(string subject) => _ = Task.Run(async () =>
    {
        try
        {
            topics.Release(await topics.AcquireAsync(subject, CancellationToken.None));
        }
        catch (BrokerUnavailableException)
        {
            // No change feed now; the edge simply does not answer from its cache.
        }
    });

    /// <summary>
    /// Runs a session until it ends. <paramref name="cursorText"/> absent means "from now"; malformed or unservable
    /// cursors make the session start with a reset signal. <paramref name="ended"/> is the wire's end signal;
    /// <paramref name="abortWire"/> cuts the wire without a goodbye (a stuck write, the drain's last resort).
    /// </summary>
    public async Task<CloseReason> RunAsync(Subscription subscription, SessionStart start, string? cursorText, ISessionWriter writer, Action abortWire, CancellationToken ended)
    {
        var topic = subscription.Topic;
        var cursor = Cursor.Parse(cursorText, out var parsed) switch
        {
            CursorParse.Absent => topic.Head,
            CursorParse.Valid => parsed,

            // An epoch no topic has: the session's first read answers "reset" and continues from the head.
            _ => new Cursor("malformed", 0),
        };

        var session = new PushSession(start, topic, cursor, writer, services, abortWire, ended);
        var started = registry.Register(session);
        foreach (var observer in _observers)
        {
            observer.SessionStarted(session);
        }

        var reason = CloseReason.Error;
        using var scope = start.Mode == SessionMode.Stream ? Log.BeginSession(logger, session.Id, start.Route.RouteId, writer.Transport.Name()) : null;
        try
        {
            reason = await session.RunAsync();
            return reason;
        }
        catch (BrokerUnavailableException ex)
        {
            Log.BrokerUnavailable(logger, start.Subject, ex.Message);
            reason = CloseReason.BrokerUnavailable;
            return reason;
        }
        catch (Exception ex) when (ex is IOException or System.Net.WebSockets.WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            reason = session.RequestedClose ?? CloseReason.ClientClosed;
            return reason;
        }
        finally
        {
            registry.Unregister(session, started, reason);
            foreach (var observer in _observers)
            {
                observer.SessionEnded(session, reason);
            }

            if (start.Mode == SessionMode.Stream)
            {
                Log.SessionEnded(logger, reason.Name());
            }
        }
    }

    private static partial class Log
    {
        private static readonly Func<ILogger, long, string, string, IDisposable?> SessionScope =
            LoggerMessage.DefineScope<long, string, string>("session={SessionId} route={RouteId} transport={Transport}");

        public static IDisposable? BeginSession(ILogger logger, long id, string route, string transport) => SessionScope(logger, id, route, transport);

        [LoggerMessage(2200, LogLevel.Debug, "Session ended: {Reason}")]
        public static partial void SessionEnded(ILogger logger, string reason);

        [LoggerMessage(2201, LogLevel.Warning, "Broker unavailable for {Subject}: {Reason}")]
        public static partial void BrokerUnavailable(ILogger logger, string subject, string reason);
    }
}

/// <summary>One request's reference on a subject's topic. Dispose releases it (the topic lingers for the next one).</summary>
internal readonly struct Subscription(TopicRegistry topics, Topic topic) : IDisposable
{
    internal Topic Topic => topic;

    /// <summary>The newest cursor of the subject: negotiate's answer and the short-poll ETag.</summary>
    public Cursor Head => topic.Head;

    public void Dispose() => topics.Release(topic);
}
