using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.IntegrationTests.Transports;
using Gateway.IntegrationTests.Watch;

namespace Gateway.IntegrationTests.Observability;

/// <summary>
/// One scenario that touches every transport, a fallback, a rejection, a slow consumer, the edge, a watch and a drain;
/// then the gateway's /metrics must hold every metric the dashboard and alerts query, with the values the scenario
/// implies, and a real Prometheus scraping the running gateway must evaluate every query, with data in the main panels.
/// </summary>
public sealed class ObservabilityScenarioTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static string Config(string backend) => $$"""
        {
          "Gateway": {
            "Broker": { "ReplayBufferSize": 16 },
            "Drain": { "Window": "00:00:02", "Grace": "00:00:01", "ExitAfterDrain": false },
            "Limits": { "ConnectRatePerClient": 1000, "ConnectBurstPerClient": 1000, "PollRatePerClient": 1000, "PollBurstPerClient": 1000 }
          },
          "ReverseProxy": {
            "Routes": {
              "o": { "Match": { "Path": "/o/{id}/events" }, "Metadata": { "Push.Subject": "o.{id}", "Push.Upstream": "o.{id}.in", "Push.Heartbeat": "00:00:01", "Push.PollIntervalMin": "00:00:00.500", "Push.PollIntervalMax": "00:00:05" } },
              "strict": { "Match": { "Path": "/strict/{id}/events" }, "Metadata": { "Push.Subject": "strict.{id}", "Push.ConnectRate": "0.01", "Push.ConnectBurst": "1" } },
              "slow": { "Match": { "Path": "/slow/{id}/events" }, "Metadata": { "Push.Subject": "slow.{id}", "Push.QueueCapacity": "10", "Push.Heartbeat": "00:00:01" } },
              "room": { "Match": { "Path": "/room/{id}/events" }, "Metadata": { "Push.Subject": "room.{id}", "Push.Presence": "true" } },
              "items": { "ClusterId": "c", "Match": { "Path": "/items/{id}" }, "Metadata": { "Push.Notify": "items.{id}", "Edge.Idempotency": "true" } },
              "item-events": { "ClusterId": "c", "Match": { "Path": "/items/{id}/events" }, "Metadata": { "Push.Subject": "items.{id}", "Push.Watch": "/items/{id}", "Push.WatchInterval": "00:00:00.300" } },
              "dead": { "ClusterId": "dead", "Match": { "Path": "/dead" } }
            },
            "Clusters": {
              "c": { "Destinations": { "d": { "Address": "{{backend}}" } } },
              "dead": { "Destinations": { "d": { "Address": "http://127.0.0.1:1/" } } }
            }
          }
        }
        """;

    [Fact]
    public async Task Scenario_EveryDashboardMetricPresentWithImpliedValues_AndEveryQueryEvaluatesOnRealPrometheus()
    {
        await using var nats = await NatsServerFixture.LaunchAsync();
        await using var backend = await PlainResourceBackend.StartAsync();
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config(backend.Url), output, "JetStream"));
        await Eventually.TrueAsync(async () => (await gateway.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, Timeout, "ready");
        var registry = (Gateway.Sessions.SessionRegistry)gateway.Services.GetService(typeof(Gateway.Sessions.SessionRegistry))!;

        // Every transport delivers 20 events.
        var cursor = await MatrixGateways.NegotiateCursorAsync(gateway, "/o/1/events");
        var receivers = TransportMatrix.Transports.Select(t => RawPushClient.CollectAsync(
            RawPushClient.StreamAsync(t, gateway.PublicUrl, "/o/1/events", cursor, CancellationToken.None),
            got => got.Count(i => i.Kind == PushItemKind.Event) >= 20, Timeout)).ToList();
        for (var i = 0; i < 20; i++)
        {
            await MatrixGateways.PublishAsync(gateway, "o.1", $"{{\"n\":{i}}}");
        }

        await Task.WhenAll(receivers);

        // Resume from before the (16-event) replay buffer: served from JetStream history.
        var history = await RawPushClient.CollectAsync(RawPushClient.StreamAsync("longpolling", gateway.PublicUrl, "/o/1/events", cursor, CancellationToken.None),
            got => got.Count(i => i.Kind == PushItemKind.Event) >= 20, Timeout);
        Assert.Equal(20, history.Count(i => i.Kind == PushItemKind.Event));

        // A stale cursor (reset), a fallback report, an upstream publish, a rejection.
        await RawPushClient.CollectAsync(RawPushClient.StreamAsync("polling", gateway.PublicUrl, "/o/1/events", "zz-1", CancellationToken.None), got => got.Count > 0, Timeout);
        (await gateway.PublicClient.PostAsync("/o/1/events/negotiate?fallbackFrom=websocket&fallbackTo=sse&fallbackReason=refused", null)).EnsureSuccessStatusCode();
        (await gateway.PublicClient.PostAsync("/o/1/events", new StringContent("{\"hi\":1}", Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
        (await gateway.PublicClient.PostAsync("/strict/1/events/negotiate", null)).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.TooManyRequests, (await gateway.PublicClient.PostAsync("/strict/1/events/negotiate", null)).StatusCode);

        // A slow consumer: a client that never reads while big events pile up.
        var slowCursor = await MatrixGateways.NegotiateCursorAsync(gateway, "/slow/1/events");
        using (var stalled = new TcpClient())
        {
            stalled.ReceiveBufferSize = 4096;
            await stalled.ConnectAsync(IPAddress.Loopback, new Uri(gateway.PublicUrl).Port);
            await stalled.GetStream().WriteAsync(Encoding.ASCII.GetBytes($"GET /slow/1/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nLast-Event-ID: {slowCursor}\r\n\r\n"));
            await Eventually.TrueAsync(() => registry.CountForRoute("slow") == 1, Timeout, "the stalled session is open");
            var pad = new string('x', 32 * 1024);
            for (var i = 0; i < 300 && registry.CountForRoute("slow") == 1; i++)
            {
                await MatrixGateways.PublishAsync(gateway, "slow.1", $"{{\"pad\":\"{pad}\"}}");
            }

            await Eventually.TrueAsync(() => registry.CountForRoute("slow") == 0, Timeout, "the slow consumer is cut off");
        }

        // REST: a proxied GET, a 304 from the edge, a write with notify, a dead backend; a watch polls.
        using (var first = await gateway.PublicClient.GetAsync("/items/1"))
        {
            using var conditional = new HttpRequestMessage(HttpMethod.Get, "/items/1");
            conditional.Headers.IfNoneMatch.Add(first.Headers.ETag!);
            Assert.Equal(HttpStatusCode.NotModified, (await gateway.PublicClient.SendAsync(conditional)).StatusCode);
        }

        (await gateway.PublicClient.PutAsync("/items/1", new StringContent("{}", Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();

        // A keyed write on the Edge.Idempotency route feeds gateway_idempotent_writes_total (whatever the backend answers).
        using (var keyed = new HttpRequestMessage(HttpMethod.Post, "/items/1") { Content = new StringContent("{}", Encoding.UTF8, "application/json") })
        {
            keyed.Headers.Add("Idempotency-Key", "scenario-post-1");
            using var answer = await gateway.PublicClient.SendAsync(keyed);
        }
        Assert.Equal(HttpStatusCode.BadGateway, (await gateway.PublicClient.GetAsync("/dead")).StatusCode);
        using (var stopWatching = new CancellationTokenSource())
        {
            var watcher = RawPushClient.CollectAsync(RawPushClient.SseAsync(gateway.PublicUrl, "/items/1/events", null, stopWatching.Token), got => got.Any(i => i.Kind == PushItemKind.Event), Timeout);
            await watcher;
        }

        // Prometheus scrapes the running gateway while there is traffic, then the instance drains.
        var target = new Uri(gateway.ManagementUrl).Authority;
        await using var prometheus = await PrometheusServer.StartAsync(target, output: output);
        await prometheus.WaitForTargetUpAsync();
        using var stopTraffic = new CancellationTokenSource();
        var live = RawPushClient.CollectAsync(RawPushClient.SseAsync(gateway.PublicUrl, "/o/2/events", null, CancellationToken.None), got => got.Any(i => i.Kind is PushItemKind.Reconnect or PushItemKind.Closed), Timeout);
        var traffic = Task.Run(async () =>
        {
            for (var i = 0; !stopTraffic.IsCancellationRequested; i++)
            {
                await MatrixGateways.PublishAsync(gateway, "o.2", $"{{\"n\":{i}}}");
                using var rest = await gateway.PublicClient.GetAsync("/items/2");
                await Task.Delay(100);
            }
        });
        await Eventually.TrueAsync(async () => (await prometheus.QueryAsync("count_over_time(gateway_broker_connected[1m])")).Values() is [>= 4],
            Timeout, "four scrapes with traffic between them");

        var failures = new List<string>();
        foreach (var query in DashboardQueries.All())
        {
            var result = await prometheus.QueryAsync(query.Expression);
            if (!result.IsSuccess)
            {
                failures.Add($"{query} -> {result.Error}");
            }
        }

        foreach (var main in new[]
        {
            "sum by (transport) (gateway_sessions_active)",
            "sum(rate(gateway_events_delivered_total[1m]))",
            "histogram_quantile(0.99, sum by (le) (rate(gateway_delivery_lag_seconds_bucket[1m])))",
            "sum by (route) (rate(gateway_proxy_requests_total[1m]))",
            "gateway_broker_connected",
        })
        {
            var result = await prometheus.QueryAsync(main);
            if (!result.IsSuccess || result.ResultCount == 0)
            {
                failures.Add($"main panel query returned no data: {main}");
            }
        }

        var rules = await prometheus.WaitForRulesEvaluatedAsync();
        failures.AddRange(rules.Where(r => r.Health != "ok").Select(r => $"alert {r.Name} is {r.Health}: {r.LastError}"));
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));

        await stopTraffic.CancelAsync();
        await traffic.ContinueWith(_ => { }, TaskScheduler.Default);
        (await gateway.ManagementClient.PostAsync("/admin/drain", null)).EnsureSuccessStatusCode();
        await live;
        await Eventually.TrueAsync(() => registry.Count == 0, Timeout, "drained");
        await Eventually.TrueAsync(async () => (await gateway.ManagementClient.GetStringAsync("/metrics")).Contains("gateway_drain_sessions_remaining 0\n", StringComparison.Ordinal),
            Timeout, "the drain reports nothing left");

        // The scrape holds every metric the dashboard and alerts use, with the values the scenario implies.
        var text = await gateway.ManagementClient.GetStringAsync("/metrics");
        var missing = DashboardQueries.MetricNames().Where(name => !text.Split('\n').Any(l => l.StartsWith(name, StringComparison.Ordinal))).ToList();
        Assert.True(missing.Count == 0, "missing from /metrics: " + string.Join(", ", missing));

        foreach (var t in TransportMatrix.Transports)
        {
            Assert.True(Value(text, $"gateway_events_delivered_total{{route=\"o\",transport=\"{t}\"}}") >= 20, t);
        }

        Assert.True(Value(text, "gateway_sessions_started_total{route=\"o\",transport=\"websocket\"}") >= 1);
        Assert.Equal(1, Value(text, "gateway_fallbacks_total{route=\"o\",from=\"websocket\",to=\"sse\",reason=\"refused\"}"));
        Assert.Equal(1, Value(text, "gateway_reconnects_rejected_total{route=\"strict\",reason=\"client_rate\"}"));
        Assert.Equal(1, Value(text, "gateway_sessions_closed_total{route=\"slow\",transport=\"sse\",reason=\"slow_consumer\"}"));
        Assert.True(Value(text, "gateway_sessions_closed_total{route=\"o\",transport=\"sse\",reason=\"draining\"}") >= 1);
        Assert.Equal(1, Value(text, "gateway_events_dropped_total{route=\"o\",transport=\"polling\",reason=\"reset\"}"));
        Assert.Equal(1, Value(text, "gateway_upstream_messages_total{route=\"o\",result=\"published\"}"));
        Assert.True(Value(text, "gateway_history_reads_total{result=\"served\"}") >= 1);
        Assert.Equal(1, Value(text, "gateway_draining"));
        Assert.Equal(0, Value(text, "gateway_drain_sessions_remaining"));
        Assert.Equal(1, Value(text, "gateway_broker_connected"));
        Assert.True(Value(text, "gateway_proxy_requests_total{route=\"items\",cluster=\"c\",method=\"GET\",code=\"200\"}") >= 1);
        Assert.Contains("gateway_edge_not_modified_total{route=\"items\"", text, StringComparison.Ordinal);
        Assert.True(Value(text, "gateway_published_total{source=\"notify\",result=\"ok\"}") >= 1);
        Assert.True(Value(text, "gateway_published_total{source=\"http\",result=\"ok\"}") >= 20);
        Assert.True(Value(text, "gateway_watch_polls_total{route=\"item-events\",result=\"changed\"}") >= 1);
        Assert.True(Value(text, "gateway_config_reloads_total") >= 1);
        Assert.Contains("gateway_proxy_errors_total{route=\"dead\",cluster=\"dead\"", text, StringComparison.Ordinal);
    }

    private static double Value(string metrics, string series)
    {
        var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        Assert.True(line is not null, $"no series {series}");
        return double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
    }
}
