using Gateway.Bench.Publishing;
using Gateway.Bench.Subscribers;

namespace Gateway.Bench.Peers;

/// <summary>
/// One push server of the comparison as the load generator sees it: how to publish to a channel, how its clients
/// subscribe, how many it holds, and what its processes cost. The scenario owns the processes.
/// </summary>
internal abstract class PushTarget(string name)
{
    public string Name => name;

    public abstract IEventPublisher Publisher { get; }

    /// <summary>What the publisher publishes to for <paramref name="channel"/> (a NATS subject, an nchan channel).</summary>
    public abstract string Subject(string channel);

    public abstract bool Supports(string transport);

    public abstract IGatewaySubscriber Subscriber(string transport, string channel, HttpClient http, SubscriberStats stats);

    /// <summary>Streaming subscribers the server holds on <paramref name="channel"/> now; null when it cannot say.</summary>
    public abstract Task<int?> SubscribersAsync(string transport, string channel, CancellationToken cancellationToken);

    public abstract double BrokerCpuSeconds();

    public abstract double ServerCpuSeconds();

    public abstract long ServerRssKb();

    /// <summary>The server's .NET runtime counters (allocated bytes, thread-pool work items) so far; null if it has none.</summary>
    public virtual Task<RuntimeCounters?> CountersAsync(CancellationToken cancellationToken) => Task.FromResult<RuntimeCounters?>(null);

    /// <summary>Throws when a process of this peer has exited.</summary>
    public abstract void EnsureRunning();
}
