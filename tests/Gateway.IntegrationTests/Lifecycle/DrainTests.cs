using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.IntegrationTests.Transports;

namespace Gateway.IntegrationTests.Lifecycle;

/// <summary>Draining: readiness fails at once, new push work is refused, sessions leave in paced batches, the process exits 0.</summary>
[Collection(NatsCollection.Name)]
public sealed class DrainTests(NatsServerFixture nats, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static string Config(string window, bool exit) => $$"""
        {
          "Gateway": {
            "Drain": { "Window": "{{window}}", "Grace": "00:00:01", "ExitAfterDrain": {{(exit ? "true" : "false")}} },
            "Limits": { "ConnectRatePerClient": 10000, "ConnectBurstPerClient": 10000, "GlobalConnectRate": 10000, "GlobalConnectBurst": 10000, "PollRatePerClient": 10000, "PollBurstPerClient": 10000 }
          },
          "ReverseProxy": {
            "Routes": { "d": { "Match": { "Path": "/d/{id}/events" }, "Metadata": { "Push.Subject": "d.{id}" } } },
            "Clusters": {}
          }
        }
        """;

    [Fact]
    public async Task AdminDrain_RefusesNewWork_CompletesHeldPolls_MovesStreamsOutInPacedBatches()
    {
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config("00:00:06", exit: false), output, "Memory"));
        var registry = (Gateway.Sessions.SessionRegistry)gateway.Services.GetService(typeof(Gateway.Sessions.SessionRegistry))!;
        var path = "/d/1/events";

        var sockets = new List<ClientWebSocket>();
        for (var i = 0; i < 30; i++)
        {
            var ws = new ClientWebSocket();
            await ws.ConnectAsync(new Uri(gateway.PublicUrl.Replace("http", "ws", StringComparison.Ordinal) + path), CancellationToken.None);
            sockets.Add(ws);
        }

        var sse = Enumerable.Range(0, 10).Select(_ => RawPushClient.CollectAsync(RawPushClient.SseAsync(gateway.PublicUrl, path, null, CancellationToken.None),
            got => got.Any(i => i.Kind is PushItemKind.Reconnect or PushItemKind.Closed), Timeout)).ToList();
        var polls = Enumerable.Range(0, 5).Select(_ => gateway.PublicClient.GetAsync(path + "?transport=longpolling&wait=50")).ToList();
        await Eventually.TrueAsync(() => registry.Count == 45, Timeout, "all 45 sessions are open");

        using (var drain = await gateway.ManagementClient.PostAsync("/admin/drain", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, drain.StatusCode);
        }

        // At once: unready, new work refused with Retry-After, held polls answered with reconnect advice.
        using (var ready = await gateway.ManagementClient.GetAsync("/readyz"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Equal("draining", (await ready.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reason").GetString());
        }

        using (var negotiate = await gateway.PublicClient.PostAsync(path + "/negotiate", null))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, negotiate.StatusCode);
            Assert.NotNull(negotiate.Headers.RetryAfter);
        }

        foreach (var poll in polls)
        {
            using var response = await poll.WaitAsync(Timeout);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("draining", body.GetProperty("reconnect").GetProperty("reason").GetString());
        }

        // Paced, not all at once: when the first streams have been asked to leave, most are still open.
        await Eventually.TrueAsync(() => registry.Count < 40, Timeout, "the first streams are asked to reconnect");
        Assert.True(registry.Count >= 20, $"{registry.Count} of 40 streams still open right after the first left");

        foreach (var ws in sockets)
        {
            var (frames, status) = await ReadUntilCloseAsync(ws);
            Assert.Equal(1012, (int)status!);
            var advice = Assert.Single(frames, f => f.GetProperty("type").GetString() == "reconnect");
            Assert.Equal("draining", advice.GetProperty("reason").GetString());
        }

        foreach (var client in sse)
        {
            var items = await client;
            Assert.Equal("draining", items.First(i => i.Kind is PushItemKind.Reconnect or PushItemKind.Closed).Reason);
        }

        await Eventually.TrueAsync(() => registry.Count == 0, Timeout, "every session has left");
        var metrics = await gateway.ManagementClient.GetStringAsync("/metrics");
        Assert.Contains("gateway_draining 1", metrics, StringComparison.Ordinal);
        Assert.Contains("gateway_sessions_closed_total{route=\"d\",transport=\"websocket\",reason=\"draining\"} 30", metrics, StringComparison.Ordinal);
        Assert.Contains("gateway_reconnects_rejected_total{route=\"d\",reason=\"draining\"} 1", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sigterm_DrainsThenExitsZero()
    {
        await using var gateway = await GatewayProcess.StartAsync(new GatewayLaunchOptions { ConfigJson = Config("00:00:02", exit: true), BrokerKind = "Memory", Output = output });
        var sse = RawPushClient.CollectAsync(RawPushClient.SseAsync(gateway.PublicUrl, "/d/2/events", null, CancellationToken.None),
            got => got.Any(i => i.Kind is PushItemKind.Reconnect or PushItemKind.Closed), Timeout);
        await Eventually.TrueAsync(async () => (await gateway.ManagementClient.GetStringAsync("/metrics")).Contains("gateway_sessions_active{route=\"d\",transport=\"sse\"} 1", StringComparison.Ordinal),
            Timeout, "the SSE session is open");

        var exit = gateway.StopAsync(Timeout);
        var items = await sse;
        Assert.Equal("draining", items.First(i => i.Kind is PushItemKind.Reconnect or PushItemKind.Closed).Reason);
        Assert.Equal(0, await exit);
    }

    [Fact]
    public async Task AdminDrain_WithExitAfterDrain_ProcessExitsZero()
    {
        await using var gateway = await GatewayProcess.StartAsync(new GatewayLaunchOptions { ConfigJson = Config("00:00:01", exit: true), BrokerKind = "Memory", Output = output });
        using (var drain = await gateway.ManagementClient.PostAsync("/admin/drain", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, drain.StatusCode);
        }

        Assert.Equal(0, await gateway.WaitForExitAsync(Timeout));
    }

    private static async Task<(List<JsonElement> Frames, WebSocketCloseStatus? Status)> ReadUntilCloseAsync(ClientWebSocket ws)
    {
        var frames = new List<JsonElement>();
        var buffer = new byte[64 * 1024];
        using var cts = new CancellationTokenSource(Timeout);
        while (true)
        {
            var result = await ws.ReceiveAsync(buffer, cts.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return (frames, result.CloseStatus);
            }

            frames.Add(JsonDocument.Parse(buffer.AsMemory(0, result.Count)).RootElement.Clone());
        }
    }
}
