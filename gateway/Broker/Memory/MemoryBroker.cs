using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Gateway.Broker.Memory;

/// <summary>
/// The embedded broker: one instance, no NATS. Each subject keeps a bounded log (its "stream"), so resume and reset
/// behave like JetStream within the process.
/// </summary>
internal sealed class MemoryBroker(IOptions<BrokerOptions> options, TimeProvider time) : IEventBroker
{
    private readonly ConcurrentDictionary<string, MemorySubjectLog> _logs = new(StringComparer.Ordinal);

    // One epoch per process: a cursor from an earlier run of the gateway is detected, never served wrongly.
    private readonly string _epoch = "m" + Convert.ToString(time.GetUtcNow().ToUnixTimeMilliseconds(), 16);

    public BrokerKind Kind => BrokerKind.Memory;

    public bool IsConnected => true;

    public ValueTask PublishAsync(OutgoingMessage message, CancellationToken cancellationToken)
    {
        using var span = Observability.Tracing.GatewayTracing.StartPublish(message.Subject);
        GetLog(message.Subject).Append(message, time.GetUtcNow(), Observability.Tracing.GatewayTracing.CurrentTraceParent());
        return ValueTask.CompletedTask;
    }

    public ValueTask<ISubjectFeed> OpenFeedAsync(string subject, CancellationToken cancellationToken) =>
        ValueTask.FromResult<ISubjectFeed>(new MemorySubjectFeed(GetLog(subject), _epoch));

    public ValueTask<bool> PingAsync(CancellationToken cancellationToken) => ValueTask.FromResult(true);

    private MemorySubjectLog GetLog(string subject) =>
        _logs.GetOrAdd(subject, static (s, capacity) => new MemorySubjectLog(s, capacity), options.Value.MemoryHistorySize);
}
