using System.ComponentModel.DataAnnotations;

namespace Gateway.Broker;

/// <summary>Host-wide broker settings, section <c>Gateway:Broker</c>.</summary>
public sealed class BrokerOptions
{
    public const string Section = "Gateway:Broker";

    /// <summary>Default <see cref="BrokerKind.JetStream"/>: the only kind that resumes across instances.</summary>
    public BrokerKind Kind { get; set; } = BrokerKind.JetStream;

    /// <summary>Default <c>nats://127.0.0.1:4222</c>, the port DESIGN.md fixes for the broker.</summary>
    [Required]
    public string Url { get; set; } = "nats://127.0.0.1:4222";

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

    /// <summary>Default <c>File</c>: history survives a broker restart. <c>Memory</c> for tests.</summary>
    public string Storage { get; set; } = "File";

    /// <summary>
    /// Default 1,024 events per subject held in memory by every instance: the live window served without a broker
    /// round-trip, and the whole resumable history for core NATS and the embedded broker.
    /// </summary>
    [Range(16, 1_000_000)]
    public int ReplayBufferSize { get; set; } = 1024;

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
