using System.Globalization;
using System.Text.Json;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.IntegrationTests.Transports;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Gateway.IntegrationTests.Broker.JetStream;

/// <summary>
/// A cursor whose following events the broker no longer holds is answered with a reset on every transport, whatever
/// removed them: a purge of the subject, the subject's own limit, the stream's limits, the stream deleted and recreated
/// (docs/decisions.md "Cursors and epochs"). A cursor whose history is intact gets every event and no reset.
/// </summary>
public sealed class GapTests(ITestOutputHelper output)
{
    private const string Subject = "g.k";
    private const string Path = "/g/k/events";
    private const int Published = 40;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private const string Config = """
        {
          "Gateway": { "Limits": { "ConnectRatePerClient": 10000, "ConnectBurstPerClient": 10000, "PollRatePerClient": 10000, "PollBurstPerClient": 10000 } },
          "ReverseProxy": {
            "Routes": { "g": { "Match": { "Path": "/g/{id}/events" }, "Metadata": { "Push.Subject": "g.{id}", "Push.Transports": "websocket,sse,longpolling,polling", "Push.Heartbeat": "00:00:01" } } },
            "Clusters": {}
          }
        }
        """;

    public static TheoryData<string, string> Rows()
    {
        var rows = new TheoryData<string, string>();
        foreach (var transport in new[] { "websocket", "sse", "longpolling", "polling" })
        {
            foreach (var history in new[] { "retained", "subject-purged", "subject-limit", "stream-limit", "stream-recreated" })
            {
                rows.Add(transport, history);
            }
        }

        return rows;
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task Resume_FromCursorBeforeTheOldestRetainedEvent_IsReset_ElseEveryEventArrives(string transport, string history)
    {
        await using var nats = await NatsServerFixture.LaunchAsync();
        var args = new List<string> { "--Gateway:Broker:Storage=Memory", "--Gateway:Broker:ReplayBufferSize=16" };
        if (history == "subject-limit")
        {
            args.Add("--Gateway:Broker:MaxMessagesPerSubject=10");
        }

        if (history == "stream-limit")
        {
            args.Add("--Gateway:Broker:MaxMessages=20");
        }

        await using var gateway = await GatewayInstance.StartAsync(new GatewayLaunchOptions
        {
            ConfigJson = Config,
            BrokerUrl = nats.Url,
            Output = output,
            ExtraArgs = [.. args],
        });
        await Eventually.TrueAsync(async () => (await gateway.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, Timeout, "ready");
        await using var connection = await nats.ConnectAsync();
        var js = new NatsJSContext(connection);

        // Another subject's event first, so that removing this subject's events does not move the stream's first sequence.
        await PublishAsync(js, "g.other", 0);
        await PublishAsync(js, Subject, 0);
        var cursor = await MatrixGateways.NegotiateCursorAsync(gateway, Path);
        for (var n = 1; n <= Published; n++)
        {
            await PublishAsync(js, Subject, n);
        }

        var created = (await js.GetStreamAsync("GATEWAY")).Info.Created;
        switch (history)
        {
            case "subject-purged":
                await (await js.GetStreamAsync("GATEWAY")).PurgeAsync(new StreamPurgeRequest { Filter = Subject });
                await PublishAsync(js, Subject, Published + 1);
                break;
            case "stream-recreated":
                await js.DeleteStreamAsync("GATEWAY");

                // The gateway recreates its stream by itself, with a new epoch.
                await Eventually.TrueAsync(async () => await CreatedAsync(js) is { } now && now != created, Timeout, "the gateway recreates the deleted stream");
                await Eventually.TrueAsync(async () => (await gateway.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, Timeout, "ready again");
                await PublishAsync(js, Subject, Published + 1);
                break;
        }

        // Told to come back later (the gateway may still be settling on its new stream), the client retries with its cursor.
        var items = new List<PushItem>();
        var deadline = DateTime.UtcNow + Timeout;
        while (DateTime.UtcNow < deadline && !items.Any(i => i.Kind is PushItemKind.Reset or PushItemKind.Event))
        {
            items = await RawPushClient.CollectAsync(
                RawPushClient.StreamAsync(transport, gateway.PublicUrl, Path, cursor, CancellationToken.None),
                seen => seen.Any(i => i.Kind is PushItemKind.Reset or PushItemKind.Closed or PushItemKind.Reconnect)
                    || seen.Count(i => i.Kind == PushItemKind.Event) >= Published,
                Timeout);
        }

        var described = string.Join(", ", items.Select(i => i.Kind == PushItemKind.Event ? Number(i).ToString(CultureInfo.InvariantCulture) : i.Kind.ToString()));
        var beforeReset = items.TakeWhile(i => i.Kind != PushItemKind.Reset).Where(i => i.Kind == PushItemKind.Event).Select(Number).ToList();
        if (history == "retained")
        {
            Assert.True(Enumerable.Range(1, Published).SequenceEqual(beforeReset), $"every event after the cursor, in order, no reset: {described}");
            Assert.DoesNotContain(items, i => i.Kind == PushItemKind.Reset);
        }
        else
        {
            Assert.True(items.Any(i => i.Kind == PushItemKind.Reset), $"a reset: {described}");
            Assert.True(beforeReset.Count == 0, $"no event before the reset: {described}");
        }
    }

    [Theory]
    [InlineData("websocket")]
    [InlineData("sse")]
    [InlineData("longpolling")]
    public async Task StreamDeletedUnderRunningGateway_IsRecreatedWithinSeconds_SessionsAreResetAndGetNewEvents(string transport)
    {
        await using var nats = await NatsServerFixture.LaunchAsync();
        await using var gateway = await GatewayInstance.StartAsync(new GatewayLaunchOptions
        {
            ConfigJson = Config,
            BrokerUrl = nats.Url,
            Output = output,
            ExtraArgs = ["--Gateway:Broker:Storage=Memory"],
        });
        await Eventually.TrueAsync(async () => (await gateway.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, Timeout, "ready");
        await using var connection = await nats.ConnectAsync();
        var js = new NatsJSContext(connection);
        await PublishAsync(js, Subject, 0);
        var cursor = await MatrixGateways.NegotiateCursorAsync(gateway, Path);

        using var stop = new CancellationTokenSource(Timeout);
        var items = new List<PushItem>();
        var reading = Task.Run(async () =>
        {
            try
            {
                await foreach (var item in RawPushClient.StreamAsync(transport, gateway.PublicUrl, Path, cursor, stop.Token))
                {
                    lock (items)
                    {
                        items.Add(item);
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
        await PublishAsync(js, Subject, 1);
        await Eventually.TrueAsync(() => Snapshot(items).Any(i => i.Kind == PushItemKind.Event), Timeout, "the session delivers before the stream is deleted");

        var created = (await js.GetStreamAsync("GATEWAY")).Info.Created;
        var deleted = System.Diagnostics.Stopwatch.StartNew();
        await js.DeleteStreamAsync("GATEWAY");
        await Eventually.TrueAsync(async () => await CreatedAsync(js) is { } now && now != created, Timeout, "the gateway recreates the deleted stream");
        var recreatedAfter = deleted.Elapsed;
        output.WriteLine($"stream recreated {recreatedAfter.TotalMilliseconds:F0} ms after it was deleted");
        Assert.True(recreatedAfter < TimeSpan.FromSeconds(10), $"recreated within seconds, not {recreatedAfter}");

        await Eventually.TrueAsync(() => Snapshot(items).Any(i => i.Kind == PushItemKind.Reset), Timeout, "the session is reset: the new stream's sequences start again");
        await Eventually.TrueAsync(async () => (await gateway.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, Timeout, "ready again");
        await MatrixGateways.PublishAsync(gateway, Subject, "{\"n\":2}");
        await Eventually.TrueAsync(() => Snapshot(items).Any(i => i.Kind == PushItemKind.Event && Number(i) == 2), Timeout, "an event published through the gateway after the recreation arrives");
        await stop.CancelAsync();
        await reading.WaitAsync(Timeout);

        var afterReset = Snapshot(items).SkipWhile(i => i.Kind != PushItemKind.Reset).Where(i => i.Kind == PushItemKind.Event).Select(Number).ToList();
        Assert.Equal([2], afterReset);
    }

    private static List<PushItem> Snapshot(List<PushItem> items)
    {
        lock (items)
        {
            return [.. items];
        }
    }

    private static async Task<DateTimeOffset?> CreatedAsync(NatsJSContext js)
    {
        try
        {
            return (await js.GetStreamAsync("GATEWAY")).Info.Created;
        }
        catch (NatsJSApiException ex) when (ex.Error.Code == 404)
        {
            return null;
        }
    }

    private static int Number(PushItem item)
    {
        using var doc = JsonDocument.Parse(item.Data!);
        return doc.RootElement.GetProperty("n").GetInt32();
    }

    private static async Task PublishAsync(NatsJSContext js, string subject, int n) =>
        (await js.PublishAsync(subject, System.Text.Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{{\"n\":{n}}}")))).EnsureSuccess();
}
