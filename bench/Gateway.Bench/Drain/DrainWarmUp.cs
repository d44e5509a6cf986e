using System.Diagnostics;
using Gateway.Bench.Hosting;
using Gateway.Bench.Publishing;
using Gateway.Bench.Scenarios;
using Gateway.Bench.Subscribers;

namespace Gateway.Bench.Drain;

/// <summary>
/// JITs an instance's push path before it is measured: one SSE client on <c>bench.warm</c> receives 200 events, then
/// leaves (one more event makes the gateway notice at once rather than at the next heartbeat).
/// </summary>
internal static class DrainWarmUp
{
    private const string Subject = "bench.warm";
    private const int Events = 200;
    private static readonly TimeSpan SessionsLimit = TimeSpan.FromSeconds(30);
    private static readonly Dictionary<string, string> Sse = new(StringComparer.Ordinal) { ["route"] = "bench", ["transport"] = "sse" };

    public static async Task RunAsync(NatsServerProcess nats, GatewayProcess gateway, GatewayMetrics metrics, EventPublisher publisher, BenchOptions options, int run, CancellationToken cancellationToken)
    {
        var stats = new SubscriberStats();
        var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = Timeout.InfiniteTimeSpan };
        var subscriber = new SseSubscriber(http, new Uri(gateway.PublicUrl, "/bench/warm/events"), stats);
        await using (var group = new GatewaySubscriberGroup("gateway-sse", [subscriber], stats, 1, http))
        {
            await group.ConnectAsync(cancellationToken);
            await WaitForSessionsAsync(metrics, 1, cancellationToken);
            await DeliveryRun.RunAsync(group, publisher, new CpuMeter(nats.Process, gateway.Process), Subject, run, PublishVariant.Max, options with { Events = Events }, cancellationToken);
        }

        await publisher.PublishAsync(Subject, run: 0, events: 1, rate: null, options.PayloadBytes, cancellationToken);
        await WaitForSessionsAsync(metrics, 0, cancellationToken);
    }

    private static async Task WaitForSessionsAsync(GatewayMetrics metrics, int expected, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (await metrics.SumAsync("gateway_sessions_active", Sse, cancellationToken) != expected)
        {
            if (waited.Elapsed > SessionsLimit)
            {
                throw new TimeoutException($"the warm-up session count did not reach {expected} within {SessionsLimit.TotalSeconds:0} s.");
            }

            await Task.Delay(100, cancellationToken);
        }
    }
}
