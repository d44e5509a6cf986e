using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.IntegrationTests.Transports;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Gateway.IntegrationTests.Lifecycle;

/// <summary>nats-server killed and restarted under live sessions: JetStream sessions lose nothing; core NATS says reset.</summary>
public sealed class BrokerFaultTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private const string Config = """
        {
          "Gateway": { "Limits": { "ConnectRatePerClient": 10000, "ConnectBurstPerClient": 10000, "PollRatePerClient": 10000, "PollBurstPerClient": 10000 } },
          "ReverseProxy": {
            "Routes": { "f": { "Match": { "Path": "/f/{id}/events" }, "Metadata": { "Push.Subject": "f.{id}", "Push.Heartbeat": "00:00:01" } } },
            "Clusters": {}
          }
        }
        """;

    [Fact]
    public async Task JetStream_NatsKilledAndRestarted_SseWebSocketAndLongPollClientsLoseNothing()
    {
        await using var nats = await NatsServerFixture.LaunchAsync();
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config, output, "JetStream"));
        await Eventually.TrueAsync(async () => (await gateway.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, Timeout, "ready");
        var path = "/f/k1/events";
        var cursor = await MatrixGateways.NegotiateCursorAsync(gateway, path);

        const int total = 60;
        var clients = new[] { "sse", "websocket", "longpolling" }
            .Select(t => RawPushClient.CollectResumingAsync(t, gateway.PublicUrl, path, cursor, total, Timeout)).ToList();

        var published = 0;
        await using (var conn = await nats.ConnectAsync())
        {
            published += await PublishAsync(conn, 0, 20);
        }

        await nats.KillAsync();
        await Eventually.TrueAsync(async () => !(await gateway.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, Timeout, "unready while NATS is down");
        await nats.StartAsync();
        await Eventually.TrueAsync(async () => (await gateway.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, Timeout, "ready again");

        await using (var conn = await nats.ConnectAsync())
        {
            published += await PublishAsync(conn, 20, 40);
        }

        Assert.Equal(total, published);
        foreach (var client in clients)
        {
            var events = await client;
            Assert.Equal(Enumerable.Range(0, total).Select(i => $"{{\"n\":{i}}}"), events.Select(e => e.Data));
        }
    }

    [Fact]
    public async Task CoreNats_NatsRestarted_ClientsAreToldToReset()
    {
        await using var nats = await NatsServerFixture.LaunchAsync();
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config, output, "Nats"));
        await Eventually.TrueAsync(async () => (await gateway.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, Timeout, "ready");
        var path = "/f/k2/events";

        var clients = new[] { "sse", "websocket" }
            .Select(t => RawPushClient.CollectAsync(RawPushClient.StreamAsync(t, gateway.PublicUrl, path, null, CancellationToken.None),
                got => got.Any(i => i.Kind == PushItemKind.Reset), Timeout)).ToList();
        var registry = (Gateway.Sessions.SessionRegistry)gateway.Services.GetService(typeof(Gateway.Sessions.SessionRegistry))!;
        await Eventually.TrueAsync(() => registry.Count == 2, Timeout, "both clients are connected");
        var before = await MatrixGateways.NegotiateCursorAsync(gateway, path);

        await nats.KillAsync();
        await nats.StartAsync();
        foreach (var client in clients)
        {
            Assert.Contains(await client, i => i.Kind == PushItemKind.Reset);
        }

        // A poller holding a cursor from before the outage is reset too: to a cursor of the new epoch.
        await Eventually.TrueAsync(async () => (await gateway.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, Timeout, "ready again");
        using var poll = await gateway.PublicClient.GetAsync(path + "?transport=polling&cursor=" + Uri.EscapeDataString(before));
        Assert.Equal(System.Net.HttpStatusCode.OK, poll.StatusCode);
        var body = await poll.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(body.TryGetProperty("reset", out var reset) && reset.GetBoolean(), body.GetRawText());
        var after = body.GetProperty("cursor").GetString()!;
        Assert.NotEqual(before[..before.LastIndexOf('-')], after[..after.LastIndexOf('-')]);
    }

    [Fact]
    public async Task BrokerDown_NegotiateHasNoCursorButAnError_UpstreamIs503_WebSocketCloses1013()
    {
        const string config = """
            {
              "ReverseProxy": {
                "Routes": { "u": { "Match": { "Path": "/u/{id}/events" }, "Metadata": { "Push.Subject": "u.{id}", "Push.Upstream": "u.{id}.in" } } },
                "Clusters": {}
              }
            }
            """;
        await using var nats = await NatsServerFixture.LaunchAsync();
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, config, output, "Nats"));
        await Eventually.TrueAsync(async () => (await gateway.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, Timeout, "ready");
        using (var up = await gateway.PublicClient.PostAsync("/u/1/events/negotiate", null))
        {
            Assert.Equal(JsonValueKind.String, (await up.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("cursor").ValueKind);
        }

        await nats.StopAsync();
        await Eventually.TrueAsync(async () => !(await gateway.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, Timeout, "unready");

        // Negotiate still answers (the client can pick a transport), with no cursor and the reason (docs/protocol.md).
        using (var negotiate = await gateway.PublicClient.PostAsync("/u/2/events/negotiate", null))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, negotiate.StatusCode);
            var body = await negotiate.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(JsonValueKind.Null, body.GetProperty("cursor").ValueKind);
            Assert.StartsWith("broker_unavailable", body.GetProperty("error").GetString(), StringComparison.Ordinal);
        }

        // A client message cannot be published: 503 with Retry-After, never a silent 202.
        using (var publish = await gateway.PublicClient.PostAsync("/u/2/events", new StringContent("{}", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, publish.StatusCode);
            Assert.Equal("broker_unavailable", (await publish.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
            Assert.NotNull(publish.Headers.RetryAfter);
        }

        // A WebSocket is accepted and closed with 1013 "try again later" (a browser cannot read a refused upgrade's status).
        using var socket = new System.Net.WebSockets.ClientWebSocket();
        await socket.ConnectAsync(new Uri(gateway.PublicUrl.Replace("http", "ws", StringComparison.Ordinal) + "/u/2/events"), CancellationToken.None);
        var buffer = new byte[4096];
        using var cts = new CancellationTokenSource(Timeout);
        System.Net.WebSockets.WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer, cts.Token);
        }
        while (result.MessageType != System.Net.WebSockets.WebSocketMessageType.Close);
        Assert.Equal(1013, (int)result.CloseStatus!);
        Assert.Equal("broker_unavailable", result.CloseStatusDescription);
    }

    private static async Task<int> PublishAsync(NatsConnection conn, int from, int count)
    {
        var js = new NatsJSContext(conn);
        for (var i = from; i < from + count; i++)
        {
            var ack = await js.PublishAsync("f.k1", Encoding.UTF8.GetBytes($"{{\"n\":{i}}}"), headers: new NatsHeaders { ["Gw-Event"] = "test" });
            ack.EnsureSuccess();
        }

        return count;
    }
}
