using Gateway.Broker;
using Gateway.Routing;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Sessions;

/// <summary>Runs one session for a transport: resolves the cursor, takes the topic, registers, runs, cleans up.</summary>
internal sealed partial class SessionHost(TopicRegistry topics, SessionRegistry registry, SessionServices services, ILogger<SessionHost> logger)
{
    public SessionServices Services => services;

    /// <summary>Takes a reference on the subject's topic; the caller must <see cref="Release"/> it.</summary>
    public ValueTask<Topic> AcquireAsync(string subject, CancellationToken cancellationToken) => topics.AcquireAsync(subject, cancellationToken);

    public void Release(Topic topic) => topics.Release(topic);

    /// <summary>A reference on an already open, healthy topic, or false; never opens a broker subscription.</summary>
    public bool TryAcquireOpen(string subject, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Topic? topic) => topics.TryAcquireOpen(subject, out topic);

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
    /// Runs until the session ends. <paramref name="cursorText"/> absent means "from now"; malformed or unservable
    /// cursors make the session start with a reset signal.
    /// </summary>
    public async Task<CloseReason> RunAsync(
        PushRoute route,
        RouteConfig routeConfig,
        string subject,
        Topic topic,
        string? cursorText,
        ISessionWriter writer,
        SessionMode mode,
        TimeSpan wait,
        CancellationToken requestAborted,
        DateTimeOffset? tokenExpiry = null,
        string? clientKey = null)
    {
        var cursor = Cursor.Parse(cursorText, out var parsed) switch
        {
            CursorParse.Absent => topic.Head,
            CursorParse.Valid => parsed,

            // An epoch no topic has: the session's first read answers "reset" and continues from the head.
            _ => new Cursor("malformed", 0),
        };

        var session = new PushSession(route, routeConfig, subject, topic, cursor, writer, mode, services, requestAborted) { TokenExpiry = tokenExpiry, ClientKey = clientKey };
        var started = registry.Register(session);
        var reason = CloseReason.Error;
        using var scope = mode == SessionMode.Stream ? Log.BeginSession(logger, session.Id, route.RouteId, writer.Transport.Name()) : null;
        try
        {
            reason = await session.RunAsync(wait);
            return reason;
        }
        catch (BrokerUnavailableException ex)
        {
            Log.BrokerUnavailable(logger, subject, ex.Message);
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
            if (mode == SessionMode.Stream)
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
