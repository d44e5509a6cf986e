using Gateway.IntegrationTests.Infrastructure;
using Gateway.IntegrationTests.Transports;

namespace Gateway.IntegrationTests.Lifecycle;

/// <summary>Scale-out on JetStream: a client resumes on another instance with the cursor it got from the first.</summary>
public sealed class FailoverTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private const string Config = """
        {
          "Gateway": { "Limits": { "ConnectRatePerClient": 10000, "ConnectBurstPerClient": 10000, "PollRatePerClient": 10000, "PollBurstPerClient": 10000 } },
          "ReverseProxy": {
            "Routes": { "k": { "Match": { "Path": "/k/{id}/events" }, "Metadata": { "Push.Subject": "k.{id}", "Push.Heartbeat": "00:00:01" } } },
            "Clusters": {}
          }
        }
        """;

    [Theory]
    [InlineData("sse")]
    [InlineData("websocket")]
    [InlineData("longpolling")]
    [InlineData("polling")]
    public async Task KillNineOfOneInstance_ClientsResumeOnTheOtherWithoutLoss(string transport)
    {
        await using var nats = await NatsServerFixture.LaunchAsync();
        await using var a = await GatewayProcess.StartAsync(GatewayLaunchOptions.For(nats, Config, output, "JetStream"));
        await using var b = await GatewayProcess.StartAsync(GatewayLaunchOptions.For(nats, Config, output, "JetStream"));
        foreach (var g in new[] { a, b })
        {
            await Eventually.TrueAsync(async () => (await g.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, Timeout, "ready");
        }

        var path = "/k/x1/events";
        using var negotiate = await a.PublicClient.PostAsync(path + "/negotiate", null);
        var cursor = System.Text.Json.JsonDocument.Parse(await negotiate.Content.ReadAsStringAsync()).RootElement.GetProperty("cursor").GetString();

        // The client reads from A until A dies, then resumes on B with its last id.
        var received = new List<PushItem>();
        var onA = RawPushClient.CollectAsync(RawPushClient.StreamAsync(transport, a.PublicUrl, path, cursor, CancellationToken.None),
            got => got.Any(i => i.Kind == PushItemKind.Closed), Timeout);

        using var publisher = new HttpClient();
        var publishedBeforeKill = 0;
        for (; publishedBeforeKill < 30; publishedBeforeKill++)
        {
            (await publisher.PostAsync($"{b.ManagementUrl}/publish/k.x1", new StringContent($"{{\"n\":{publishedBeforeKill}}}"))).EnsureSuccessStatusCode();
        }

        await Eventually.TrueAsync(async () => (await a.ManagementClient.GetStringAsync("/metrics")).Contains("gateway_events_delivered_total{route=\"k\"", StringComparison.Ordinal),
            Timeout, "A delivered something before it dies");
        a.Kill();
        received.AddRange((await onA).Where(i => i.Kind == PushItemKind.Event));

        for (var n = publishedBeforeKill; n < 60; n++)
        {
            (await publisher.PostAsync($"{b.ManagementUrl}/publish/k.x1", new StringContent($"{{\"n\":{n}}}"))).EnsureSuccessStatusCode();
        }

        var resumeFrom = received.Count > 0 ? received[^1].Id : cursor;
        var onB = await RawPushClient.CollectResumingAsync(transport, b.PublicUrl, path, resumeFrom, 60 - received.Count, Timeout);
        var all = received.Concat(onB).DistinctBy(e => e.Id).ToList();
        Assert.Equal(Enumerable.Range(0, 60).Select(i => $"{{\"n\":{i}}}"), all.Select(e => e.Data));
    }
}
