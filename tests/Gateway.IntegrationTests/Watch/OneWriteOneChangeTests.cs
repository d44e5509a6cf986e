using System.Text;
using System.Text.Json;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.IntegrationTests.Transports;

namespace Gateway.IntegrationTests.Watch;

/// <summary>
/// The sample <c>items</c> shape: notify-on-write and a watch on the same subject. One PUT through the gateway is one
/// <c>changed</c> event, not the notify's and then the watch's when it sees the new representation (docs/scale-out.md).
/// </summary>
public sealed class OneWriteOneChangeTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("JetStream", 0)]
    [InlineData("Memory", 0)]
    [InlineData("JetStream", 2)]
    [InlineData("Memory", 2)]
    public async Task PutThroughGateway_OnAWatchedResource_IsOneChange_AndLaterChangesStillAnnounced(string broker, int pollsWhileTheWriteIsInFlight)
    {
        await using var nats = await NatsServerFixture.LaunchAsync();
        await using var backend = await PlainResourceBackend.StartAsync();
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, WatchTests.Config(backend.Url, "00:00:00.200"), output, broker));
        await Eventually.TrueAsync(async () => (await gateway.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, Timeout, "ready");
        const string path = "/items/8/events";
        var cursor = await MatrixGateways.NegotiateCursorAsync(gateway, path);

        // Until the last change the test makes has arrived: a second event for the write would have come before it.
        var stream = RawPushClient.CollectAsync(RawPushClient.SseAsync(gateway.PublicUrl, path, cursor, CancellationToken.None),
            got => got.Any(e => e.Kind == PushItemKind.Event && Describe(e) == "watch v3"), Timeout);

        // The watch's start announces the current representation (docs/decisions.md).
        await Eventually.TrueAsync(async () => await WatchPollsAsync(gateway, "changed") >= 1, Timeout, "the watch publishes its baseline");

        // With the write's answer held: the watch sees version 2 before the write's answer comes back through the gateway,
        // and must wait for it. The answer is released once the gateway has deferred that many polls (not after that many
        // backend GETs: on a loaded machine a GET the backend answered may still time out in the gateway, unseen).
        backend.HoldPutAnswers = pollsWhileTheWriteIsInFlight > 0;
        var write = gateway.PublicClient.PutAsync("/items/8", new StringContent("{}", Encoding.UTF8, "application/json"));
        if (pollsWhileTheWriteIsInFlight > 0)
        {
            await Eventually.TrueAsync(async () => await WatchPollsAsync(gateway, "deferred") >= pollsWhileTheWriteIsInFlight, Timeout, "the watch waits for the write in flight");
            backend.ReleasePutAnswers();
        }

        using (var put = await write)
        {
            put.EnsureSuccessStatusCode();
        }

        // Three polls after the write the watch has seen version 2; it must take it as announced, not announce it. Polls the
        // gateway completed, not GETs the backend saw (a GET whose answer timed out in the gateway showed the watch nothing).
        var polled = await CompletedPollsAsync(gateway);
        await Eventually.TrueAsync(async () => await CompletedPollsAsync(gateway) >= polled + 3, Timeout, "three watch polls after the write");
        Assert.Equal(1, await WatchPollsAsync(gateway, "changed"));
        Assert.Equal(1, await WatchPollsAsync(gateway, "announced"));

        // A change behind the gateway's back is still the watch's to announce.
        backend.Change("8");
        await Eventually.TrueAsync(async () => await WatchPollsAsync(gateway, "changed") >= 2, Timeout, "the watch announces the next change");
        var events = (await stream).Where(e => e.Kind == PushItemKind.Event).ToList();
        Assert.All(events, e => Assert.Equal("changed", e.EventType));
        Assert.Equal(["watch v1", "notify PUT", "watch v3"], events.Select(Describe));
    }

    private static string Describe(PushItem item)
    {
        var data = JsonDocument.Parse(item.Data!).RootElement;
        return data.TryGetProperty("method", out var method)
            ? "notify " + method.GetString()
            : "watch v" + data.GetProperty("version").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Polls whose answer the watch saw (every result but <c>error</c>: a poll that failed or timed out).</summary>
    private static async Task<double> CompletedPollsAsync(GatewayInstance gateway)
    {
        var metrics = await gateway.ManagementClient.GetStringAsync("/metrics");
        const string prefix = "gateway_watch_polls_total{route=\"item-events\",result=";
        return MetricsText.Sum(metrics, prefix) - MetricsText.Sum(metrics, prefix + "\"error\"}");
    }

    internal static async Task<double> WatchPollsAsync(GatewayInstance gateway, string result) =>
        MetricsText.Sum(await gateway.ManagementClient.GetStringAsync("/metrics"), $"gateway_watch_polls_total{{route=\"item-events\",result=\"{result}\"}}");
}
