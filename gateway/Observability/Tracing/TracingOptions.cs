using System.ComponentModel.DataAnnotations;

namespace Gateway.Observability.Tracing;

/// <summary>OpenTelemetry tracing, section <c>Gateway:Tracing</c> (docs/tracing.md).</summary>
public sealed class TracingOptions
{
    public const string Section = "Gateway:Tracing";

    /// <summary>
    /// Default false: no tracer is registered, nothing listens to the gateway's activity sources, and the event path
    /// carries no trace context. True exports spans over OTLP.
    /// </summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// Default unset: the OTLP exporter's own default (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, else <c>http://localhost:4317</c>
    /// for gRPC). For http/protobuf a bare base address gets <c>/v1/traces</c> appended, as the environment variable does.
    /// </summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary>Default unset: <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>, else gRPC. <c>grpc</c> or <c>http/protobuf</c>.</summary>
    [RegularExpression("^(grpc|http/protobuf)$")]
    public string? OtlpProtocol { get; set; }

    /// <summary>
    /// Default 1 (every trace that starts here): the share of new traces recorded. A request or event that arrives with a
    /// parent follows its parent's sampling decision, so a trace is recorded whole or not at all.
    /// </summary>
    [Range(0.0, 1.0)]
    public double SampleRatio { get; set; } = 1.0;

    /// <summary>Default <c>gateway</c>: the <c>service.name</c> resource attribute; <c>OTEL_SERVICE_NAME</c> wins when set.</summary>
    [Required]
    public string ServiceName { get; set; } = "gateway";

    /// <summary>
    /// Default false: a proxied request is one server span (its context is what the backend receives). True adds a client
    /// span for every outgoing HTTP call (forwarded requests, watch polls): twice the spans for the proxy path.
    /// </summary>
    public bool HttpClientSpans { get; set; }
}
