using Gateway.IntegrationTests.Infrastructure;
using Gateway.IntegrationTests.Transports;

namespace Gateway.IntegrationTests.Security;

/// <summary>
/// One route's publish flood against another route's history, on core NATS, where the instance's replay rings are the
/// whole resumable history: the rings are bounded in bytes per subject and in total, the flooding subjects pay for it
/// (their old cursors are reset on every transport), and the quiet route's history is intact (docs/security.md,
/// "History"). The stream-level counterpart (JetStream's per-subject limit) is <c>StreamSettingsTests</c>.
/// </summary>
[Collection(NatsCollection.Name)]
public sealed class HistoryIsolationTests(NatsServerFixture nats, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private const int Rooms = 10;
    private const int PerRoom = 40;

    private const string Config = """
        {
          "Gateway": {
            "Broker": { "ReplayBufferBytes": 262144, "ReplayTotalBytes": 1048576 },
            "Limits": { "ConnectRatePerClient": 100000, "ConnectBurstPerClient": 100000, "PollRatePerClient": 100000, "PollBurstPerClient": 100000 }
          },
          "ReverseProxy": {
            "Routes": {
              "room": { "Match": { "Path": "/rooms/{room}/events" }, "Metadata": { "Push.Subject": "iso.flood.{room}" } },
              "quiet": { "Match": { "Path": "/quiet/{id}/events" }, "Metadata": { "Push.Subject": "iso.calm.{id}" } }
            },
            "Clusters": {}
          }
        }
        """;

    [Fact]
    public async Task FloodOnOneRoute_IsBoundedInBytes_ResetsOnlyItsOwnCursors_TheQuietRoutesHistoryIsKept()
    {
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config, output, "Nats"));
        await Eventually.TrueAsync(async () => (await gateway.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, Timeout, "ready");
        using var stop = new CancellationTokenSource(Timeout);

        // Subscribers hold every topic open, so each ring fills as a real audience's would.
        var quietCursor = await MatrixGateways.NegotiateCursorAsync(gateway, "/quiet/1/events");
        var floodCursor = await MatrixGateways.NegotiateCursorAsync(gateway, "/rooms/r0/events");
        var quietSeen = 0;
        var holders = new List<Task>
        {
            DrainAsync(gateway, "/quiet/1/events", quietCursor, () => Interlocked.Increment(ref quietSeen), stop.Token),
        };
        for (var room = 0; room < Rooms; room++)
        {
            var path = $"/rooms/r{room}/events";
            holders.Add(DrainAsync(gateway, path, room == 0 ? floodCursor : await MatrixGateways.NegotiateCursorAsync(gateway, path), static () => { }, stop.Token));
        }

        for (var n = 1; n <= 5; n++)
        {
            await MatrixGateways.PublishAsync(gateway, "iso.calm.1", $"{{\"n\":{n}}}");
        }

        await Eventually.TrueAsync(() => Volatile.Read(ref quietSeen) == 5, Timeout, "the quiet client got its five events");

        // 10 rooms x 40 events x 32 KiB = 12.5 MiB into rings allowed 256 KiB each and 1 MiB together.
        var payload = "{\"p\":\"" + new string('x', 32 * 1024) + "\"}";
        for (var i = 0; i < Rooms * PerRoom; i++)
        {
            await MatrixGateways.PublishAsync(gateway, $"iso.flood.r{i % Rooms}", payload);
        }

        await Eventually.TrueAsync(
            async () => Watch.MetricsText.Sum(await gateway.ManagementClient.GetStringAsync("/metrics"), "gateway_events_received_total") >= 5 + (Rooms * PerRoom),
            Timeout, "the flood reached the gateway's topics");

        foreach (var transport in new[] { "websocket", "sse", "longpolling", "polling" })
        {
            // The flooded room's old cursor: its events were evicted by the byte bounds, and the client is told so.
            var flooded = await RawPushClient.CollectAsync(RawPushClient.StreamAsync(transport, gateway.PublicUrl, "/rooms/r0/events", floodCursor, CancellationToken.None),
                got => got.Any(i => i.Kind is PushItemKind.Reset or PushItemKind.Event or PushItemKind.Closed), Timeout);
            Assert.True(flooded.FirstOrDefault(i => i.Kind != PushItemKind.Heartbeat)?.Kind == PushItemKind.Reset, $"{transport}: {string.Join(", ", flooded.Select(i => i.Kind))}");

            // The quiet route's cursor from before the flood: every event, in order, no reset.
            var quiet = await RawPushClient.CollectAsync(RawPushClient.StreamAsync(transport, gateway.PublicUrl, "/quiet/1/events", quietCursor, CancellationToken.None),
                got => got.Count(i => i.Kind == PushItemKind.Event) >= 5 || got.Any(i => i.Kind is PushItemKind.Reset or PushItemKind.Gap or PushItemKind.Closed), Timeout);
            Assert.DoesNotContain(quiet, i => i.Kind is PushItemKind.Reset or PushItemKind.Gap);
            Assert.Equal(Enumerable.Range(1, 5).Select(n => $"{{\"n\":{n}}}"), quiet.Where(i => i.Kind == PushItemKind.Event).Select(i => i.Data));
        }

        await stop.CancelAsync();
        await Task.WhenAll(holders);
    }

    private static Task DrainAsync(GatewayInstance gateway, string path, string cursor, Action onEvent, CancellationToken cancellationToken) => Task.Run(async () =>
    {
        try
        {
            await foreach (var item in RawPushClient.StreamAsync("websocket", gateway.PublicUrl, path, cursor, cancellationToken))
            {
                if (item.Kind == PushItemKind.Event)
                {
                    onEvent();
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or System.Net.WebSockets.WebSocketException or IOException)
        {
        }
    });
}
