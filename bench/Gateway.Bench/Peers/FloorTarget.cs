using System.Globalization;
using Gateway.Bench.Hosting;
using Gateway.Bench.Publishing;
using Gateway.Bench.Subscribers;

namespace Gateway.Bench.Peers;

/// <summary>The fan-out floor (<c>bench/Gateway.Bench.Floor</c>): NATS <c>floor.{channel}</c> to SSE and WebSocket clients of <c>/sub/{channel}</c>.</summary>
internal sealed class FloorTarget(DotnetAppProcess floor, NatsServerProcess nats, IEventPublisher publisher, HttpClient http) : PushTarget("floor")
{
    public override IEventPublisher Publisher => publisher;

    public override string Subject(string channel) => "floor." + channel;

    public override bool Supports(string transport) => transport is "sse" or "websocket";

    public override IGatewaySubscriber Subscriber(string transport, string channel, HttpClient client, SubscriberStats stats) => transport == "sse"
        ? new SseSubscriber(client, new Uri(floor.Url, $"/sub/{channel}"), stats)
        : new WebSocketSubscriber(new Uri($"ws://127.0.0.1:{floor.Port}/sub/{channel}"), stats);

    public override async Task<int?> SubscribersAsync(string transport, string channel, CancellationToken cancellationToken) =>
        int.Parse(await http.GetStringAsync(new Uri(floor.Url, $"/stats/{channel}"), cancellationToken), CultureInfo.InvariantCulture);

    public override async Task<RuntimeCounters?> CountersAsync(CancellationToken cancellationToken)
    {
        var parts = (await http.GetStringAsync(new Uri(floor.Url, "/counters"), cancellationToken)).Split(' ');
        return new RuntimeCounters(double.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    public override double BrokerCpuSeconds() => CpuMeter.Read(nats.Process);

    public override double ServerCpuSeconds() => CpuMeter.Read(floor.Process);

    public override long ServerRssKb() => ProcessMemory.RssKb(floor.Process.Id);

    public override void EnsureRunning()
    {
        if (floor.HasExited)
        {
            throw new InvalidOperationException($"the floor exited during the benchmark.{Environment.NewLine}{floor.Output}");
        }
    }
}
