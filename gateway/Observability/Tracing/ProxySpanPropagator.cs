using System.Diagnostics;

namespace Gateway.Observability.Tracing;

/// <summary>
/// Makes the backend's parent the gateway's server span. For every forwarded request HttpClient starts an activity of its
/// own (without a source when no tracer listens to <c>System.Net.Http</c>, which is the default) and injects that one:
/// the backend would then point at a span nobody exports. A proxied request is one span (docs/tracing.md), so such an
/// activity is skipped and its parent injected; with <c>HttpClientSpans</c> on, the recorded client span is injected.
/// </summary>
internal sealed class ProxySpanPropagator(DistributedContextPropagator inner) : DistributedContextPropagator
{
    public override IReadOnlyCollection<string> Fields => inner.Fields;

    public override void Inject(Activity? activity, object? carrier, PropagatorSetterCallback? setter) =>
        inner.Inject(activity is { Source.Name.Length: 0, Parent: { } parent } ? parent : activity, carrier, setter);

    public override void ExtractTraceIdAndState(object? carrier, PropagatorGetterCallback? getter, out string? traceId, out string? traceState) =>
        inner.ExtractTraceIdAndState(carrier, getter, out traceId, out traceState);

    public override IEnumerable<KeyValuePair<string, string?>>? ExtractBaggage(object? carrier, PropagatorGetterCallback? getter) =>
        inner.ExtractBaggage(carrier, getter);

    /// <summary>Wraps the propagator YARP gave the forwarder's handler (one that first drops the client's trace headers).</summary>
    public static void Apply(SocketsHttpHandler handler)
    {
        if (handler.ActivityHeadersPropagator is { } current and not ProxySpanPropagator)
        {
            handler.ActivityHeadersPropagator = new ProxySpanPropagator(current);
        }
    }
}
