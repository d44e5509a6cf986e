using System.Text;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.IntegrationTests.Transports;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Gateway.IntegrationTests.Lifecycle;

/// <summary>
/// Draining one of two instances under a live publisher moves every client to the other, every client ends with
/// every event exactly once in order, and the paced drain stays under the other instance's global bucket.
/// (Scaled down from the full-size run in bench/.)
/// </summary>
public sealed class DrainMoveTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private static string Config(string window) => $$"""
        {
          "Gateway": {
            "Drain": { "Window": "{{window}}", "Grace": "00:00:01", "ExitAfterDrain": false },
            "Limits": { "ConnectRatePerClient": 100000, "ConnectBurstPerClient": 100000, "PollRatePerClient": 100000, "PollBurstPerClient": 100000,
                        "GlobalConnectRate": 150, "GlobalConnectBurst": 60 }
          },
          "ReverseProxy": {
            "Routes": { "m": { "Match": { "Path": "/m/{id}/events" }, "Metadata": { "Push.Subject": "m.{id}", "Push.Heartbeat": "00:00:01" } } },
            "Clusters": {}
          }
        }
        """;

    [Fact]
    public async Task DrainingA_MovesAllClientsToB_EveryClientHasEveryEventOnceInOrder_NoSpikeAboveBsBucket()
    {
        await using var nats = await NatsServerFixture.LaunchAsync();
        await using var a = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config("00:00:04"), output, "JetStream"));
        await using var b = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config("00:00:04"), output, "JetStream"));
        foreach (var g in new[] { a, b })
        {
            await Eventually.TrueAsync(async () => (await g.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, Timeout, "ready");
        }

        const string path = "/m/live/events";
        var cursor = await MatrixGateways.NegotiateCursorAsync(b, path);

        // A publisher at about 100 events/s for the whole scenario.
        using var stopPublishing = new CancellationTokenSource();
        var published = 0;
        var publisher = Task.Run(async () =>
        {
            await using var conn = await nats.ConnectAsync();
            var js = new NatsJSContext(conn);
            using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
            while (await tick.WaitForNextTickAsync(stopPublishing.Token).AsTask().ContinueWith(t => !t.IsCanceled, TaskScheduler.Default))
            {
                var ack = await js.PublishAsync("m.live", Encoding.UTF8.GetBytes($"{{\"n\":{published}}}"), headers: new NatsHeaders { ["Gw-Event"] = "test" });
                ack.EnsureSuccess();
                published++;
            }
        });

        // 120 clients, all four transports, all on A at first; each moves to B when A tells it to.
        var transports = new[] { "websocket", "sse", "longpolling", "polling" };
        using var stopClients = new CancellationTokenSource();
        var clients = Enumerable.Range(0, 120)
            .Select(i => RawPushClient.FollowAsync(transports[i % 4], [a.PublicUrl, b.PublicUrl], path, cursor, stopClients.Token))
            .ToList();
        var registryA = (Gateway.Sessions.SessionRegistry)a.Services.GetService(typeof(Gateway.Sessions.SessionRegistry))!;
        var registryB = (Gateway.Sessions.SessionRegistry)b.Services.GetService(typeof(Gateway.Sessions.SessionRegistry))!;
        await Eventually.TrueAsync(() => registryA.CountForRoute("m") >= 60, Timeout, "the streaming clients are on A");

        (await a.ManagementClient.PostAsync("/admin/drain", null)).EnsureSuccessStatusCode();
        await Eventually.TrueAsync(() => registryA.Count == 0, Timeout, "A is empty");
        await Eventually.TrueAsync(() => registryB.CountForRoute("m") >= 60, Timeout, "the streaming clients are on B");

        await stopPublishing.CancelAsync();
        await publisher;
        var total = published;

        // Let every client catch up to the last event, then stop them.
        await Eventually.TrueAsync(() => clients.All(c => c.Received.Count >= total), Timeout, "every client has every event");
        await stopClients.CancelAsync();
        foreach (var client in clients)
        {
            await client.Completion;
            Assert.Equal(Enumerable.Range(0, total).Select(i => $"{{\"n\":{i}}}"), client.Received.Select(e => e.Data));
            Assert.DoesNotContain(client.Received, e => e.Kind == PushItemKind.Reset);
        }

        var metricsB = await b.ManagementClient.GetStringAsync("/metrics");
        // The series exists from start-up (at 0); no refusal by B's global bucket means it is still 0.
        Assert.All(
            System.Text.RegularExpressions.Regex.Matches(metricsB, "^gateway_reconnects_rejected_total\\{[^}]*reason=\"global_rate\"\\} (\\S+)$", System.Text.RegularExpressions.RegexOptions.Multiline),
            m => Assert.Equal("0", m.Groups[1].Value));
        output.WriteLine($"{total} events, {clients.Count} clients moved from A to B");
    }
}
