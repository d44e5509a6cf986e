using System.Text;
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

        await nats.KillAsync();
        await nats.StartAsync();
        foreach (var client in clients)
        {
            Assert.Contains(await client, i => i.Kind == PushItemKind.Reset);
        }

        // A poller holding a cursor from before the outage is reset too.
        using var poll = await gateway.PublicClient.GetAsync(path + "?transport=polling");
        Assert.True(poll.IsSuccessStatusCode);
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
