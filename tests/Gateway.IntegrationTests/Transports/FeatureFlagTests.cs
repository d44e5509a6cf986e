using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Transports;

/// <summary>Operators switch transports per route (and globally) in appsettings.json, live, without a restart.</summary>
[Collection(NatsCollection.Name)]
public sealed class FeatureFlagTests(NatsServerFixture nats, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static JsonNode Config(string transports, params string[] disabled) => JsonNode.Parse($$"""
        {
          "Gateway": {
            "Push": { "DisabledTransports": {{JsonSerializer.Serialize(disabled)}} },
            "Limits": { "ConnectRatePerClient": 1000, "ConnectBurstPerClient": 1000, "GlobalConnectRate": 10000, "GlobalConnectBurst": 10000 }
          },
          "ReverseProxy": {
            "Routes": {
              "prices": { "Match": { "Path": "/prices/{ticker}/events" }, "Metadata": { "Push.Subject": "prices.{ticker}", "Push.Transports": "{{transports}}" } }
            },
            "Clusters": {}
          }
        }
        """)!;

    [Fact]
    public async Task WebSocketSwitchedOffInConfig_OpenWebSocketsCloseWithReconnectAdvice_SseUntouched_NegotiateStopsOffering()
    {
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config("websocket,sse,longpolling,polling"), output, "Memory"));
        var ticker = "F" + Guid.NewGuid().ToString("N")[..8];
        var path = $"/prices/{ticker}/events";
        var registry = (Gateway.Sessions.SessionRegistry)gateway.Services.GetService(typeof(Gateway.Sessions.SessionRegistry))!;

        var sockets = new List<ClientWebSocket>();
        for (var i = 0; i < 100; i++)
        {
            var ws = new ClientWebSocket();
            await ws.ConnectAsync(new Uri(gateway.PublicUrl.Replace("http", "ws", StringComparison.Ordinal) + path), CancellationToken.None);
            sockets.Add(ws);
        }

        using var sseStop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var sse = RawPushClient.CollectAsync(RawPushClient.SseAsync(gateway.PublicUrl, path, null, sseStop.Token), got => got.Count(i => i.Kind == PushItemKind.Event) >= 2, TimeSpan.FromSeconds(60));
        await Eventually.TrueAsync(() => registry.CountForRoute("prices") == 101, Timeout, "100 WebSockets and one SSE session are open");

        await gateway.UpdateConfigAsync(Config("sse,longpolling,polling"));

        // Every WebSocket gets a reconnect frame, then a close with a "try again" code.
        foreach (var ws in sockets)
        {
            var frames = await ReadUntilCloseAsync(ws);
            var reconnect = Assert.Single(frames, f => f.GetProperty("type").GetString() == "reconnect");
            Assert.Equal("transport_disabled", reconnect.GetProperty("reason").GetString());
            Assert.True(reconnect.GetProperty("retryMs").GetInt32() > 0);
            Assert.Equal(1013, (int)ws.CloseStatus!);
            ws.Dispose();
        }

        using var negotiate = await gateway.PublicClient.PostAsync(path + "/negotiate", null);
        var offered = (await negotiate.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("transports").EnumerateArray().Select(t => t.GetString()).ToList();
        Assert.Equal(["sse", "longpolling", "polling"], offered);

        // A new WebSocket is refused with the allowed list.
        using var refused = await gateway.PublicClient.GetAsync(path + "?transport=websocket");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, refused.StatusCode);

        // The SSE session was never interrupted: it still receives.
        Assert.Equal(1, registry.CountForRoute("prices"));
        await MatrixGateways.PublishAsync(gateway, $"prices.{ticker}", "{\"p\":1}");
        await MatrixGateways.PublishAsync(gateway, $"prices.{ticker}", "{\"p\":2}");
        var items = await sse;
        Assert.Equal(["{\"p\":1}", "{\"p\":2}"], items.Where(i => i.Kind == PushItemKind.Event).Select(i => i.Data));
        Assert.DoesNotContain(items, i => i.Kind is PushItemKind.Reconnect or PushItemKind.Closed or PushItemKind.Reset);
    }

    [Fact]
    public async Task GlobalSwitch_DisablesTransportOnEveryRoute_AndRequestsGet400WithAllowedList()
    {
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config("websocket,sse,longpolling,polling"), output, "Memory"));
        var path = "/prices/G1/events";
        using (var ok = await gateway.PublicClient.GetAsync(path + "?transport=polling"))
        {
            Assert.True(ok.IsSuccessStatusCode);
        }

        await gateway.UpdateConfigAsync(Config("websocket,sse,longpolling,polling", "polling"));
        await Eventually.TrueAsync(async () =>
        {
            using var r = await gateway.PublicClient.GetAsync(path + "?transport=polling");
            return r.StatusCode == System.Net.HttpStatusCode.BadRequest;
        }, Timeout, "polling is refused once switched off");

        using var refused = await gateway.PublicClient.GetAsync(path + "?transport=polling");
        var body = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("transport_not_allowed", body.GetProperty("error").GetString());
        Assert.Equal(["websocket", "sse", "longpolling"], body.GetProperty("allowed").EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public async Task BrokenReload_KeepsPreviousRoutesInForce_AndCountsTheError()
    {
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config("sse,polling"), output, "Memory"));
        var broken = Config("sse,carrier-pigeon");
        await gateway.UpdateConfigAsync(broken);
        await Eventually.TrueAsync(async () => (await gateway.ManagementClient.GetStringAsync("/metrics")).Contains("gateway_config_errors_total 1\n", StringComparison.Ordinal),
            Timeout, "the rejected reload is counted");

        // The old route (sse, polling) still answers exactly as before.
        using var poll = await gateway.PublicClient.GetAsync("/prices/K1/events?transport=polling");
        Assert.True(poll.IsSuccessStatusCode);
        using var negotiate = await gateway.PublicClient.PostAsync("/prices/K1/events/negotiate", null);
        var offered = (await negotiate.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("transports").EnumerateArray().Select(t => t.GetString());
        Assert.Equal(["sse", "polling"], offered);
        Assert.Contains(gateway.Logs, l => l.Contains("carrier-pigeon", StringComparison.Ordinal));
    }

    private static async Task<List<JsonElement>> ReadUntilCloseAsync(ClientWebSocket ws)
    {
        var frames = new List<JsonElement>();
        var buffer = new byte[64 * 1024];
        using var cts = new CancellationTokenSource(Timeout);
        while (true)
        {
            var result = await ws.ReceiveAsync(buffer, cts.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return frames;
            }

            frames.Add(JsonDocument.Parse(buffer.AsMemory(0, result.Count)).RootElement.Clone());
        }
    }
}
