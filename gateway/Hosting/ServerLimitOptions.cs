using System.ComponentModel.DataAnnotations;

namespace Gateway.Hosting;

/// <summary>
/// Kestrel's connection and request limits (<c>Gateway:Server</c>), set explicitly so what a slow or oversized client can
/// hold is written down, not inherited (docs/security.md, "Kestrel limits"). Each applies to every endpoint, public
/// and management; the proxy's per-route <c>MaxRequestBodySize</c> (YARP) overrides the body limit for one route.
/// </summary>
public sealed class ServerLimitOptions
{
    public const string Section = "Gateway:Server";

    /// <summary>
    /// Default 10 s (Kestrel's own is 30 s): the whole request line and headers must arrive within this, however the
    /// bytes trickle in, so a slowloris client holds a connection for at most this long. A real client sends its headers
    /// in one packet; ten seconds leaves room for a congested mobile link.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan RequestHeadersTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Default 240 bytes per second (Kestrel's): a request body arriving slower than this on average, once
    /// <see cref="MinRequestBodyGracePeriod"/> has passed, is cut with 408. Applies to upstream publishes and proxied
    /// writes alike; WebSocket frames after the upgrade are not request bodies (the session's own timeouts bound those).
    /// Null switches the check off.
    /// </summary>
    [Range(1, double.MaxValue)]
    public double? MinRequestBodyBytesPerSecond { get; set; } = 240;

    /// <summary>Default 5 s (Kestrel's): how long a body may start slowly before its rate is checked. More than 1 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01.001", "00:10:00")]
    public TimeSpan MinRequestBodyGracePeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Default 240 bytes per second with the same grace period (Kestrel's): a client that reads a response slower than
    /// this is cut. Push streams write little and often, so only a client that stopped reading meets it. Null = off.
    /// </summary>
    [Range(1, double.MaxValue)]
    public double? MinResponseBytesPerSecond { get; set; } = 240;

    /// <summary>Default 32 KiB (Kestrel's): the request line excluded, all headers together; a bearer token fits many times.</summary>
    [Range(1024, 1024 * 1024)]
    public int MaxRequestHeadersTotalSize { get; set; } = 32 * 1024;

    /// <summary>Default 100 (Kestrel's): headers per request.</summary>
    [Range(1, 10_000)]
    public int MaxRequestHeaderCount { get; set; } = 100;

    /// <summary>Default 8 KiB (Kestrel's): the request line (method, path and query).</summary>
    [Range(1024, 1024 * 1024)]
    public int MaxRequestLineSize { get; set; } = 8 * 1024;

    /// <summary>
    /// Default 10 MiB (Kestrel's is 30 MB): the largest request body the gateway reads or forwards; larger is 413 before
    /// the backend sees it. Upstream publishes are bounded lower by <c>Gateway:Push:MaxMessageBytes</c>; a route that
    /// takes uploads raises its own limit with YARP's route <c>MaxRequestBodySize</c>. Null = no limit.
    /// </summary>
    [Range(1, long.MaxValue)]
    public long? MaxRequestBodySize { get; set; } = 10L * 1024 * 1024;

    /// <summary>
    /// Default 130 s (Kestrel's): an idle keep-alive connection is closed after this. Longer than the idle timeout of the
    /// usual load balancers (60 s), so it is the balancer that closes, never the gateway under a request in flight.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(130);

    /// <summary>Default unlimited: open connections per endpoint (sessions are capped by <c>Gateway:Limits:MaxSessions</c>).</summary>
    [Range(1, long.MaxValue)]
    public long? MaxConcurrentConnections { get; set; }

    /// <summary>Default 100 (Kestrel's): concurrent HTTP/2 streams per connection, each a request the gateway holds.</summary>
    [Range(1, 10_000)]
    public int Http2MaxStreamsPerConnection { get; set; } = 100;

    /// <summary>Default 16 KiB (Kestrel's): the largest HTTP/2 header field after HPACK decoding.</summary>
    [Range(1024, 1024 * 1024)]
    public int Http2MaxRequestHeaderFieldSize { get; set; } = 16 * 1024;
}
