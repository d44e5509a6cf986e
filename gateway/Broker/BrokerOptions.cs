using System.ComponentModel.DataAnnotations;

namespace Gateway.Broker;

/// <summary>Host-wide broker settings, section <c>Gateway:Broker</c>.</summary>
public sealed class BrokerOptions
{
    public const string Section = "Gateway:Broker";

    /// <summary>Default <see cref="BrokerKind.JetStream"/>: the only kind that resumes across instances.</summary>
    public BrokerKind Kind { get; set; } = BrokerKind.JetStream;

    /// <summary>
    /// Default <c>nats://127.0.0.1:4222</c>, the broker's default port. A comma-separated list names the seed servers
    /// of a cluster (the NATS convention, <c>nats://n1:4222,nats://n2:4222</c>); the client learns the rest from the
    /// cluster and fails over between them (docs/scale-out.md).
    /// </summary>
    [Required]
    public string Url { get; set; } = "nats://127.0.0.1:4222";

    /// <summary>
    /// Default true: the client picks servers from <see cref="Url"/> in random order, which spreads a fleet over the
    /// cluster. False tries them in the listed order, to prefer a node (say, one in the same zone) while keeping the
    /// others for failover.
    /// </summary>
    public bool RandomizeServers { get; set; } = true;

    /// <summary>
    /// Default 1: copies of the stream JetStream keeps. 3 on a cluster of 3 or more nodes, so losing one node loses no
    /// event (docs/scale-out.md). Applied when the gateway creates the stream.
    /// </summary>
    [Range(1, 5)]
    public int Replicas { get; set; } = 1;

    /// <summary>Where JetStream places the stream's replicas (cluster name, server tags). Default: anywhere.</summary>
    public BrokerPlacementOptions Placement { get; set; } = new();

    /// <summary>Default 250 ms: the first reconnect attempt after a lost connection waits at least this long.</summary>
    public TimeSpan ReconnectWaitMin { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Default 2 s: reconnect attempts back off up to this long between tries (forever: a broker outage makes
    /// the gateway unready, never makes it exit).</summary>
    public TimeSpan ReconnectWaitMax { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Default 500 ms: a random extra wait added to each reconnect attempt so that a fleet of instances that lost
    /// the same node does not reconnect in lockstep.</summary>
    public TimeSpan ReconnectJitter { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Default 5 s: how often the client pings the server. With <see cref="MaxPingsOut"/> this bounds how long a frozen
    /// server (TCP open, nothing answering) holds the connection before the client moves to another node: about
    /// <c>PingInterval x (MaxPingsOut + 1)</c>, 15 s by default (the NATS default of 2 min x 2 is far too slow for push).
    /// </summary>
    public TimeSpan PingInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Default 2 unanswered pings before the connection is declared dead and reconnected.</summary>
    [Range(1, 100)]
    public int MaxPingsOut { get; set; } = 2;

    /// <summary>TLS for the broker connection. Default off (plain <c>nats://</c>, or whatever the server asks for).</summary>
    public BrokerTlsOptions Tls { get; set; } = new();

    /// <summary>
    /// Default none: a NATS credentials file (<c>.creds</c>, user JWT + NKey seed: decentralised auth). Read at
    /// connect; a missing file is a start-up error.
    /// </summary>
    public string? CredentialsFile { get; set; }

    /// <summary>Default <c>GATEWAY</c>: the stream the gateway creates or adopts for its push subjects.</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9_-]{1,64}$")]
    public string StreamName { get; set; } = "GATEWAY";

    /// <summary>
    /// Subjects the stream captures. Default empty: derived from the push routes' subject templates
    /// (<c>orders.{id}</c> gives <c>orders.&gt;</c>), so adding a route needs no second setting.
    /// </summary>
    public List<string> StreamSubjects { get; set; } = [];

    /// <summary>Default 24 h: how long JetStream keeps events, i.e. how far back a cursor can resume.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Default 1,000,000 messages in the stream (oldest discarded first).</summary>
    [Range(1, long.MaxValue)]
    public long MaxMessages { get; set; } = 1_000_000;

    /// <summary>Default 1 GiB of stream storage.</summary>
    [Range(1, long.MaxValue)]
    public long MaxBytes { get; set; } = 1L << 30;

    /// <summary>
    /// Default 10,000 events per subject in the stream (that subject's oldest discarded first): one subject's flood then
    /// evicts only its own history, never another subject's (docs/scale-out.md). Bytes per subject are bounded by this
    /// times the server's maximum message size; the stream as a whole by <see cref="MaxBytes"/>.
    /// </summary>
    [Range(1, long.MaxValue)]
    public long MaxMessagesPerSubject { get; set; } = 10_000;

    /// <summary>
    /// Default 1 MiB: the most a JetStream feed (and a history read) asks the server for at once, in bytes. The server
    /// queues what a pull asks for on the gateway's connection at once, and cuts a connection whose queue passes its
    /// <c>max_pending</c> (64 MiB by default) as a slow consumer; pulls bounded in bytes keep a burst in the stream
    /// instead of on the socket: at most this times the subjects that burst together (docs/scale-out.md "Bursts").
    /// Raised to the server's maximum message size when that is larger, so one message always fits a pull.
    /// </summary>
    [Range(64 * 1024, 64 << 20)]
    public int PullBytes { get; set; } = 1 << 20;

    /// <summary>Default <c>File</c>: history survives a broker restart. <c>Memory</c> for tests.</summary>
    public string Storage { get; set; } = "File";

    /// <summary>
    /// Default 1,024 events per subject held in memory by every instance: the live window served without a broker
    /// round-trip, and the whole resumable history for core NATS and the embedded broker.
    /// </summary>
    [Range(16, 1_000_000)]
    public int ReplayBufferSize { get; set; } = 1024;

    /// <summary>
    /// Default 64 MiB per subject: the replay ring is bounded in bytes as well as in events (a thousand 64 KiB events
    /// fit, counting their encodings). For core NATS and the embedded broker the ring is the whole resumable history, so
    /// this is not smaller; <see cref="ReplayTotalBytes"/> bounds the instance. Older cursors go to the broker's history.
    /// </summary>
    [Range(64 * 1024, long.MaxValue)]
    public long ReplayBufferBytes { get; set; } = 64L << 20;

    /// <summary>
    /// Default 256 MiB across every subject of the instance: the ceiling of replay memory whatever clients publish.
    /// A subject that appends while the total is over gives up its own oldest entries.
    /// </summary>
    [Range(1024 * 1024, long.MaxValue)]
    public long ReplayTotalBytes { get; set; } = 256L << 20;

    /// <summary>Default 10,000 events per subject kept by the embedded broker (its "stream").</summary>
    [Range(16, 10_000_000)]
    public int MemoryHistorySize { get; set; } = 10_000;

    /// <summary>Default 2 s: a request to the broker that takes longer fails (readiness, publish).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Default 100,000 subjects followed at once per instance (each is a broker subscription and a buffer).</summary>
    [Range(1, 10_000_000)]
    public int MaxTopics { get; set; } = 100_000;

    /// <summary>Default 10 s: how long a subject's shared subscription lingers after its last session leaves,
    /// so a reconnect storm does not churn broker subscriptions.</summary>
    public TimeSpan TopicLinger { get; set; } = TimeSpan.FromSeconds(10);
}
