using Gateway.Routing;
using Prometheus;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Sessions;

/// <summary>
/// One client's subscription on one subject through one transport: the delivery loop shared by all transports. It reads
/// the topic's shared buffer from its cursor, writes batches, sends heartbeats when the instance sweep asks, and ends for
/// one <see cref="CloseReason"/>.
/// </summary>
internal sealed partial class PushSession
{
    private static long s_nextId;

    private readonly Topic _topic;
    private readonly ISessionWriter _writer;
    private readonly SessionMode _mode;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _abort;
    private readonly Counter.Child _delivered;
    private readonly Histogram.Child _lag;
    private TaskCompletionSource _attention = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _heartbeatDue;
    private int _closeRequested;
    private CloseReason _closeReason;
    private TimeSpan _closeRetry;
    private long _writeStarted;

    public PushSession(
        PushRoute route,
        RouteConfig routeConfig,
        string subject,
        Topic topic,
        Cursor cursor,
        ISessionWriter writer,
        SessionMode mode,
        SessionServices services,
        CancellationToken requestAborted)
    {
        Id = Interlocked.Increment(ref s_nextId);
        Route = route;
        RouteConfig = routeConfig;
        Subject = subject;
        _topic = topic;
        Cursor = cursor;
        _writer = writer;
        _mode = mode;
        Services = services;
        _time = services.Time;
        _abort = CancellationTokenSource.CreateLinkedTokenSource(requestAborted);
        var metrics = services.Metrics;
        _delivered = metrics.EventsDelivered.WithLabels(route.RouteId, writer.Transport.Name());
        _lag = metrics.DeliveryLag.WithLabels(route.RouteId, writer.Transport.Name());
        LastWrite = _time.GetTimestamp();
        DeliveredIndex = topic.Appended;
    }

    public long Id { get; }

    public PushRoute Route { get; set; }

    public RouteConfig RouteConfig { get; set; }

    public string Subject { get; }

    public TransportKind Transport => _writer.Transport;

    public SessionMode Mode => _mode;

    public SessionServices Services { get; }

    public Cursor Cursor { get; private set; }

    /// <summary>Local index of the last entry written (for lag).</summary>
    public long DeliveredIndex { get; private set; }

    public long LastWrite { get; private set; }

    public Topic Topic => _topic;

    /// <summary>When the client's token expires; the sweep closes the session then (it reconnects with a new token).</summary>
    public DateTimeOffset? TokenExpiry { get; init; }

    /// <summary>Who the session belongs to, for per-client session limits (authenticated subject, else client IP).</summary>
    public string? ClientKey { get; init; }

    /// <summary>Events the session is behind its topic.</summary>
    public long Lag => Math.Max(0, _topic.Appended - DeliveredIndex);

    public bool InWrite => Volatile.Read(ref _writeStarted) != 0;

    public TimeSpan WriteElapsed => Volatile.Read(ref _writeStarted) is var s and not 0 ? _time.GetElapsedTime(s) : TimeSpan.Zero;

    /// <summary>Cancelled when the session must stop at once (abort, drain grace over, slow consumer stuck in a write).</summary>
    public CancellationToken Aborted => _abort.Token;

    public CloseReason? RequestedClose => Volatile.Read(ref _closeRequested) != 0 ? _closeReason : null;

    /// <summary>Asks the session to close with reconnect advice at its next turn (thread-safe; first request wins).</summary>
    public void RequestClose(CloseReason reason, TimeSpan retryAfter)
    {
        if (Interlocked.CompareExchange(ref _closeRequested, 1, 0) == 0)
        {
            _closeReason = reason;
            _closeRetry = retryAfter;
            Interlocked.Exchange(ref _closeRequested, 2);
            Volatile.Read(ref _attention).TrySetResult();
        }
    }

    /// <summary>Stops the session now: its connection is aborted without a goodbye.</summary>
    public void Abort(CloseReason reason)
    {
        if (Interlocked.CompareExchange(ref _closeRequested, 1, 0) == 0)
        {
            _closeReason = reason;
            Volatile.Write(ref _closeRequested, 2);
        }

        try
        {
            _abort.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public void RequestHeartbeat()
    {
        Interlocked.Exchange(ref _heartbeatDue, 1);
        Volatile.Read(ref _attention).TrySetResult();
    }

    public void Wake() => Volatile.Read(ref _attention).TrySetResult();
}
