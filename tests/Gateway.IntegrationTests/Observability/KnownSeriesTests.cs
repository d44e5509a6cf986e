using System.Text.Json.Nodes;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Observability;

/// <summary>
/// Series whose labels configuration already knows exist at 0 before any traffic, and appear for a route added by a
/// reload, so a dashboard shows 0 rather than "no data" and <c>rate()</c> sees the first increment (docs/metrics.md).
/// </summary>
[Collection(NatsCollection.Name)]
public sealed class KnownSeriesTests(NatsServerFixture nats, ITestOutputHelper output)
{
    private static JsonNode Config(bool withRooms) => JsonNode.Parse($$"""
        {
          "ReverseProxy": {
            "Routes": {
              "prices": { "Match": { "Path": "/prices/{ticker}/events" }, "Metadata": { "Push.Subject": "prices.{ticker}", "Push.Transports": "sse,polling", "Push.Upstream": "prices.{ticker}" } },
              "orders": { "ClusterId": "shop", "Match": { "Path": "/orders", "Methods": [ "POST" ] }, "Metadata": { "Edge.Idempotency": "true" } }
              {{(withRooms ? """, "rooms": { "Match": { "Path": "/rooms/{room}/events" }, "Metadata": { "Push.Subject": "rooms.{room}" } }""" : "")}}
            },
            "Clusters": { "shop": { "Destinations": { "one": { "Address": "http://127.0.0.1:9/" } } } }
          }
        }
        """)!;

    [Fact]
    public async Task RouteLabelledSeries_ExistAtZero_BeforeTraffic_AndForARouteAddedByReload()
    {
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config(withRooms: false), output, "Memory"));

        var metrics = await gateway.ManagementClient.GetStringAsync("/metrics");
        string[] expected =
        [
            """gateway_sessions_active{route="prices",transport="sse"} 0""",
            """gateway_sessions_active{route="prices",transport="polling"} 0""",
            """gateway_sessions_started_total{route="prices",transport="sse"} 0""",
            """gateway_sessions_closed_total{route="prices",transport="sse",reason="slow_consumer"} 0""",
            """gateway_sessions_closed_total{route="prices",transport="polling",reason="token_expired"} 0""",
            """gateway_events_delivered_total{route="prices",transport="sse"} 0""",
            """gateway_events_dropped_total{route="prices",transport="sse",reason="reset"} 0""",
            """gateway_reconnects_rejected_total{route="prices",reason="client_rate"} 0""",
            """gateway_reconnects_rejected_total{route="prices",reason="too_many_client_polls"} 0""",
            """gateway_reconnects_rejected_total{route="prices",reason="draining"} 0""",
            """gateway_negotiations_total{route="prices",transport="none"} 0""",
            """gateway_upstream_messages_total{route="prices",result="published"} 0""",
            """gateway_upstream_messages_total{route="prices",result="rate_limited"} 0""",
            """gateway_idempotent_writes_total{route="orders",result="replayed"} 0""",
            """gateway_history_reads_total{result="reset"} 0""",
            """gateway_published_total{source="notify",result="ok"} 0""",
            """gateway_delivery_lag_seconds_count{route="prices",transport="sse"} 0""",
        ];
        foreach (var line in expected)
        {
            Assert.Contains(line + "\n", metrics, StringComparison.Ordinal);
        }

        // A transport the route does not allow gets no series.
        Assert.DoesNotContain("""gateway_sessions_active{route="prices",transport="websocket"}""", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("route=\"rooms\"", metrics, StringComparison.Ordinal);

        await gateway.UpdateConfigAsync(Config(withRooms: true));
        await Eventually.TrueAsync(
            async () => (await gateway.ManagementClient.GetStringAsync("/metrics")).Contains("""gateway_sessions_active{route="rooms",transport="websocket"} 0""" + "\n", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30),
            "the reloaded configuration's new route has its series at 0");
    }
}
