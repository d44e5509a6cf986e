using System.ComponentModel.DataAnnotations;

namespace Gateway.Routing;

/// <summary>Host-wide push defaults and switches, section <c>Gateway:Push</c>; routes override with <c>Push.*</c> metadata.</summary>
public sealed class PushOptions
{
    public const string Section = "Gateway:Push";

    /// <summary>Transports switched off for every route (operator kill switch), hot-reloaded. Default none.</summary>
    public List<string> DisabledTransports { get; set; } = [];

    /// <summary>Default 15 s: far inside YARP's 100 s and common proxies' 60 s idle timeouts.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Default 1,024 events a session may lag behind its subject before the slow-consumer policy applies.</summary>
    [Range(1, 1_000_000)]
    public int QueueCapacity { get; set; } = 1024;

    /// <summary>Default <see cref="SlowConsumerPolicy.Disconnect"/>: nothing is lost, the client resumes by cursor.</summary>
    public SlowConsumerPolicy SlowConsumer { get; set; } = SlowConsumerPolicy.Disconnect;

    /// <summary>Default 3 s: the SSE <c>retry:</c> and the base of reconnect advice.</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Default 64 KiB: the largest WebSocket message a client may send (close 1009 above).</summary>
    [Range(256, 16 * 1024 * 1024)]
    public int MaxMessageBytes { get; set; } = 64 * 1024;

    /// <summary>Default 500: the most events one poll response carries; the cursor brings the rest on the next poll.</summary>
    [Range(1, 100_000)]
    public int MaxBatch { get; set; } = 500;

    /// <summary>Default 30 s: a long poll without <c>wait</c> is held this long.</summary>
    public TimeSpan LongPollDefaultWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Default 5 s: the short-polling interval hint of routes without adaptive bounds (docs/polling.md).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Default 30 s: the time constant of the decaying event-rate window behind adaptive poll intervals. Long enough that
    /// a burst does not whip every poller to the minimum, short enough that a subject gone quiet slows its pollers within
    /// a minute or two (docs/polling.md).
    /// </summary>
    public TimeSpan PollRateWindow { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Default 100,000 (as <c>Gateway:Broker:MaxTopics</c>): subjects whose event rate the poll advisor tracks. Subjects
    /// come from route values a client picks, so the table is capped; a subject beyond it is advised as quiet.
    /// </summary>
    [Range(1, 10_000_000)]
    public int PollRateMaxSubjects { get; set; } = 100_000;

    /// <summary>
    /// Default 1,000: thread-pool work items waiting that count as a fully loaded instance for adaptive poll intervals;
    /// from half of it (or half of <c>Gateway:Limits:MaxSessions</c> in use) hints are pushed toward the route's maximum.
    /// </summary>
    [Range(1, 10_000_000)]
    public int PollLoadQueueLength { get; set; } = 1000;

    /// <summary>
    /// Default 30 s: a streaming session whose write (an event batch or a heartbeat) has been blocked this long, or two
    /// heartbeats if that is longer, is cut: its client stopped reading or vanished without closing (docs/decisions.md
    /// "Shared timers"). Short enough to reclaim half-open sessions in bounded time, long enough for a slow link.
    /// </summary>
    public TimeSpan WriteTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Default 30 s: a WebSocket that does not answer a ping within this is closed.</summary>
    public TimeSpan WebSocketPongTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Origins allowed to open WebSockets and credentialed SSE. Default empty: same-origin only, plus requests without Origin.</summary>
    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary>Default 20 upstream publishes per second per WebSocket (burst 40); a flood beyond gets error frames.</summary>
    [Range(1, 100_000)]
    public int UpstreamRatePerSecond { get; set; } = 20;

    /// <summary>Default 10 s: the longest a cursor lookup in the broker's history may take before the client is asked to retry.</summary>
    public TimeSpan HistoryTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
