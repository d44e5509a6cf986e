using System.Collections.Concurrent;
using System.Diagnostics;
using OpenTelemetry;

namespace Gateway.IntegrationTests.Observability;

/// <summary>
/// An in-process exporter: every span the gateway's tracer provider ends, kept for the test to read while the gateway
/// runs. Thread-safe, unlike a plain list handed to the in-memory exporter. Tracer providers listen process-wide, so
/// tests pick their spans by the trace ids they started.
/// </summary>
internal sealed class SpanRecorder : BaseProcessor<Activity>
{
    private readonly ConcurrentQueue<Activity> spans = new();

    public IReadOnlyList<Activity> Spans => [.. spans];

    public IReadOnlyList<Activity> InTrace(ActivityTraceId traceId) => [.. spans.Where(s => s.TraceId == traceId)];

    public override void OnEnd(Activity data) => spans.Enqueue(data);
}
