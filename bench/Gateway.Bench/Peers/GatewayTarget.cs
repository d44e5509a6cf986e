using Gateway.Bench.Hosting;
using Gateway.Bench.Publishing;
using Gateway.Bench.Subscribers;

namespace Gateway.Bench.Peers;

/// <summary>The gateway: NATS <c>bench.{channel}</c> to the push route <c>/bench/{channel}/events</c>, on every transport.</summary>
internal sealed class GatewayTarget(string name, GatewayProcess gateway, NatsServerProcess nats, IEventPublisher publisher) : PushTarget(name)
{
    /// <summary>Runtime counters the gateway exports on <c>/metrics</c> (docs/metrics.md); absent in older builds.</summary>
    private const string AllocatedMetric = "gateway_runtime_allocated_bytes_total";
    private const string WorkItemsMetric = "gateway_runtime_work_items_total";

    private readonly GatewayMetrics _metrics = new(gateway.ManagementUrl);

    public override IEventPublisher Publisher => publisher;

    public GatewayProcess Process => gateway;

    public override string Subject(string channel) => "bench." + channel;

    public override bool Supports(string transport) => true;

    public override IGatewaySubscriber Subscriber(string transport, string channel, HttpClient http, SubscriberStats stats) => transport switch
    {
        "sse" => new SseSubscriber(http, new Uri(gateway.PublicUrl, $"/bench/{channel}/events"), stats),
        "websocket" => new WebSocketSubscriber(new Uri($"ws://127.0.0.1:{gateway.PublicPort}/bench/{channel}/events"), stats),
        _ => new LongPollSubscriber(http, new Uri(gateway.PublicUrl, $"/bench/{channel}/events"), stats),
    };

    public override async Task<int?> SubscribersAsync(string transport, string channel, CancellationToken cancellationToken) =>
        transport == "longpolling" ? null : (int)await _metrics.SumAsync("gateway_sessions_active", new Dictionary<string, string> { ["route"] = "bench", ["transport"] = transport }, cancellationToken);

    public override async Task<RuntimeCounters?> CountersAsync(CancellationToken cancellationToken)
    {
        var values = await _metrics.SumsAsync([(AllocatedMetric, new Dictionary<string, string>()), (WorkItemsMetric, new Dictionary<string, string>())], cancellationToken);
        return values[0] > 0 ? new RuntimeCounters(values[0], values[1]) : null;
    }

    public override double BrokerCpuSeconds() => CpuMeter.Read(nats.Process);

    public override double ServerCpuSeconds() => CpuMeter.Read(gateway.Process);

    public override long ServerRssKb() => ProcessMemory.RssKb(gateway.Pid);

    public override void EnsureRunning()
    {
        if (gateway.HasExited)
        {
            throw new InvalidOperationException($"{Name} exited during the benchmark.{Environment.NewLine}{gateway.Output}");
        }
    }
}
