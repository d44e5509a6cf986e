using System.Threading.Tasks.Sources;
using Gateway.Routing;
using Prometheus;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Sessions;

/// <summary>
/// One client's subscription on one subject through one wire: the delivery loop shared by all transports. It reads the
/// topic's shared ring from its cursor, writes batches through its <see cref="ISessionWriter"/>, and ends for one
/// <see cref="CloseReason"/>. While waiting it is only a registration on its topic and, for heartbeats and long-poll
/// deadlines, an entry in the shared <see cref="TimerWheel"/>: no task, timer or cancellation source of its own. Every
/// signal (an append, a heartbeat due, a close request, the wire's end) sets a flag and wakes the loop through one
/// reusable <see cref="IValueTaskSource"/>.
/// </summary>
internal sealed partial class PushSession : IValueTaskSource, ITopicWaiter, IWheelTarget
{
    private const int HeartbeatTimer = 1;
    private const int DeadlineTimer = 2;

    private static long s_nextId;

    private readonly Topic _topic;
    private readonly ISessionWriter _writer;
    private readonly SessionMode _mode;
    private readonly TimeProvider _time;
    private readonly CancellationToken _ended;
    private readonly Action _abortWire;
    private readonly Counter.Child _delivered;
    private readonly Histogram.Child _lag;
    private ManualResetValueTaskSourceCore<bool> _wait;
    private int _armed;          // 1 while the loop awaits _wait
    private int _pending;        // 1 when a signal arrived since the loop last looked
    private int _heartbeatDue;
    private int _deadlinePassed;
    private int _closeRequested;
    private int _finished;
    private CloseReason _closeReason;
    private TimeSpan _closeRetry;
    private long _writeStarted;
    private long _lastWrite;

    public PushSession(SessionStart start, Topic topic, Cursor cursor, ISessionWriter writer, SessionServices services, Action abortWire, CancellationToken ended)
    {
        Id = Interlocked.Increment(ref s_nextId);
        Route = start.Route;
        RouteConfig = start.RouteConfig;
        Subject = start.Subject;
        TokenExpiry = start.TokenExpiry;
        ClientKey = start.ClientKey;
        Peer = start.Peer;
        Wait = start.Wait;
        _mode = start.Mode;
        _topic = topic;
        Cursor = cursor;
        _writer = writer;
        Services = services;
        _time = services.Time;
        _ended = ended;
        _abortWire = abortWire;
        _delivered = services.Metrics.EventsDelivered.WithLabels(Route.RouteId, writer.Transport.Name());
        _lag = services.Metrics.DeliveryLag.WithLabels(Route.RouteId, writer.Transport.Name());
        _lastWrite = _time.GetTimestamp();
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

    /// <summary>How long a long poll is held without events.</summary>
    public TimeSpan Wait { get; }

    /// <summary>Local index of the last entry written (for lag).</summary>
    public long DeliveredIndex { get; private set; }

    public long LastWrite => Volatile.Read(ref _lastWrite);

    /// <summary>When the client's token expires; the sweep closes the session then (it reconnects with a new token).</summary>
    public DateTimeOffset? TokenExpiry { get; }

    /// <summary>Who the session belongs to, for per-client session limits (authenticated subject, else client IP).</summary>
    public string? ClientKey { get; }

    /// <summary>Who the session belongs to across reconnects, on routes that follow people (presence); null elsewhere.</summary>
    public SessionPeer? Peer { get; }

    /// <summary>What an <see cref="ISessionObserver"/> keeps with the session between its start and its end.</summary>
    public object? Observation { get; set; }

    /// <summary>Events the session is behind its topic.</summary>
    public long Lag => Math.Max(0, _topic.Appended - DeliveredIndex);

    public bool InWrite => Volatile.Read(ref _writeStarted) != 0;

    public TimeSpan WriteElapsed => Volatile.Read(ref _writeStarted) is var s and not 0 ? _time.GetElapsedTime(s) : TimeSpan.Zero;

    public CloseReason? RequestedClose => Volatile.Read(ref _closeRequested) == 2 ? _closeReason : null;

    int ITopicWaiter.WaiterSlot { get; set; } = -1;

    /// <summary>The loop's state in one line, for diagnostics (tests print it when a session goes quiet).</summary>
    internal string DebugState =>
        $"session={Id} {Transport.Name()} {_mode} cursor={Cursor} armed={Volatile.Read(ref _armed)} pending={Volatile.Read(ref _pending)} " +
        $"heartbeatDue={Volatile.Read(ref _heartbeatDue)} close={Volatile.Read(ref _closeRequested)} finished={Volatile.Read(ref _finished)} " +
        $"slot={((ITopicWaiter)this).WaiterSlot} inWrite={InWrite} writeElapsed={WriteElapsed.TotalMilliseconds:0}ms sinceWrite={_time.GetElapsedTime(LastWrite).TotalMilliseconds:0}ms " +
        $"topic={_topic.GetHashCode():x} faulted={_topic.Faulted} head={_topic.Head} appended={_topic.Appended} waiting={_topic.Waiting} ended={_ended.IsCancellationRequested}";

    /// <summary>Asks the session to close with reconnect advice at its next turn (thread-safe; first request wins).</summary>
    public void RequestClose(CloseReason reason, TimeSpan retryAfter)
    {
        if (Interlocked.CompareExchange(ref _closeRequested, 1, 0) == 0)
        {
            _closeReason = reason;
            _closeRetry = retryAfter;
            Interlocked.Exchange(ref _closeRequested, 2);
            Wake(inline: false);
        }
    }

    /// <summary>Stops the session now: its connection is cut without a goodbye (a write blocked on the client fails).</summary>
    public void Abort(CloseReason reason)
    {
        if (Interlocked.CompareExchange(ref _closeRequested, 1, 0) == 0)
        {
            _closeReason = reason;
            Interlocked.Exchange(ref _closeRequested, 2);
        }

        _abortWire();
        Wake(inline: false);
    }

    /// <summary>Asks for a heartbeat at the next turn if nothing else is written (tests; the wheel does it otherwise).</summary>
    public void RequestHeartbeat()
    {
        Interlocked.Exchange(ref _heartbeatDue, 1);
        Wake(inline: false);
    }

    /// <summary>
    /// Signals the loop. The flag-then-arm handshake (a full fence on each side) means the loop either sees the flag
    /// before it waits or the signal completes its wait; exactly one of the loop and the signallers resets the arm.
    /// </summary>
    public void Wake(bool inline)
    {
        Interlocked.Exchange(ref _pending, 1);
        if (Interlocked.Exchange(ref _armed, 0) == 1)
        {
            // Only the winner of the arm touches the source, and the loop is parked in its await meanwhile.
            _wait.RunContinuationsAsynchronously = !inline;
            _wait.SetResult(true);
        }
    }

    public void OnTimer(int cookie)
    {
        if (Volatile.Read(ref _finished) != 0)
        {
            return;
        }

        if (cookie == DeadlineTimer)
        {
            Interlocked.Exchange(ref _deadlinePassed, 1);
            Wake(inline: false);
            return;
        }

        // Heartbeats go out only after a quiet interval: a busy session never sends one.
        var interval = Route.Heartbeat;
        var quiet = _time.GetElapsedTime(LastWrite);
        var early = Services.Wheel.Tick;
        if (quiet >= interval - early)
        {
            Interlocked.Exchange(ref _heartbeatDue, 1);
            Wake(inline: false);
            Services.Wheel.Schedule(this, interval, HeartbeatTimer);
        }
        else
        {
            Services.Wheel.Schedule(this, interval - quiet, HeartbeatTimer);
        }
    }

    private ValueTask WaitAsync()
    {
        _wait.Reset();
        Interlocked.Exchange(ref _armed, 1);
        if (Volatile.Read(ref _pending) == 1 && Interlocked.Exchange(ref _armed, 0) == 1)
        {
            return ValueTask.CompletedTask;
        }

        return new ValueTask(this, _wait.Version);
    }

    void IValueTaskSource.GetResult(short token) => _wait.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _wait.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _wait.OnCompleted(continuation, state, token, flags);
}

/// <summary>What the push endpoint knows of a session before it starts: who, where, how long.</summary>
internal readonly record struct SessionStart(
    PushRoute Route,
    RouteConfig RouteConfig,
    string Subject,
    SessionMode Mode,
    TimeSpan Wait,
    string? ClientKey,
    DateTimeOffset? TokenExpiry,
    SessionPeer? Peer = null);
