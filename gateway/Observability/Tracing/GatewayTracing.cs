using System.Diagnostics;

namespace Gateway.Observability.Tracing;

/// <summary>
/// The gateway's own spans (docs/tracing.md): a producer span per publish, whose context travels with the event as a
/// W3C <c>traceparent</c> header, and one consumer span per event per instance for its fan-out. Every entry point checks
/// <see cref="ActivitySource.HasListeners"/> first, so with tracing off nothing is allocated on the event path.
/// </summary>
internal static class GatewayTracing
{
    public const string SourceName = "Gateway.Events";

    /// <summary>The W3C Trace Context header, carried as a NATS message header of the same name.</summary>
    public const string TraceParentHeader = "traceparent";

    public const string PublishSpan = "push publish";

    public const string DeliverSpan = "push deliver";

    /// <summary>Sessions woken on this instance by the event: the fan-out width.</summary>
    public const string SubscribersTag = "gateway.push.subscribers";

    private static readonly ActivitySource Source = new(SourceName);

    /// <summary>True while a tracer listens (tracing on).</summary>
    public static bool Enabled => Source.HasListeners();

    /// <summary>A producer span for one publish, made current; null when tracing is off or the trace is not sampled.</summary>
    public static Activity? StartPublish(string subject)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var span = Source.StartActivity(PublishSpan, ActivityKind.Producer);
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag("messaging.system", "nats");
            span.SetTag("messaging.operation.type", "send");
            span.SetTag("messaging.destination.name", subject);
        }

        return span;
    }

    /// <summary>
    /// The <c>traceparent</c> an event published now carries: the current activity's, or null when tracing is off or no
    /// activity is current (then the message carries no trace header at all).
    /// </summary>
    public static string? CurrentTraceParent() =>
        Source.HasListeners() && Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.Id : null;

    /// <summary>
    /// The delivery span of one event on this instance, a child of its publisher's context, covering the append to the
    /// subject's replay ring and the wake of every parked session (not each socket write: docs/tracing.md).
    /// </summary>
    public static Activity? StartDelivery(string traceParent, string subject, ulong sequence)
    {
        if (!Source.HasListeners() || !ActivityContext.TryParse(traceParent, null, isRemote: true, out var parent))
        {
            return null;
        }

        var span = Source.StartActivity(DeliverSpan, ActivityKind.Consumer, parent);
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag("messaging.system", "nats");
            span.SetTag("messaging.operation.type", "process");
            span.SetTag("messaging.destination.name", subject);
            span.SetTag("messaging.message.id", sequence);
        }

        return span;
    }

    /// <summary>Marks a publish span failed.</summary>
    public static void Failed(Activity? span, Exception ex) => span?.SetStatus(ActivityStatusCode.Error, ex.Message);
}
