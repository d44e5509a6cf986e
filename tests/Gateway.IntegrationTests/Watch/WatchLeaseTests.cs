using System.Text.Json;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.IntegrationTests.Transports;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;

namespace Gateway.IntegrationTests.Watch;

/// <summary>
/// Watch leases across instances (docs/scale-out.md): the holder is SIGKILLed while the resource changes, again and
/// again, and a reader sees every change exactly once and nothing else.
/// </summary>
public sealed class WatchLeaseTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private const string Interval = "00:00:00.500";
    private const string Subject = "items.7";
    private const string Path = "/items/7/events";

    /// <summary>The same subject without <c>Push.Watch</c>: an instance that serves the events but never polls.</summary>
    private static string ReaderConfig => """
        {
          "ReverseProxy": {
            "Routes": {
              "item-events": { "Match": { "Path": "/items/{id}/events" }, "Metadata": { "Push.Subject": "items.{id}", "Push.Heartbeat": "00:00:02" } }
            },
            "Clusters": {}
          }
        }
        """;

    [Fact]
    public async Task HolderKilledRepeatedly_WhileTheResourceChanges_EveryChangeArrivesOnce_NoneInvented()
    {
        await using var nats = await NatsServerFixture.LaunchAsync();
        await using var backend = await PlainResourceBackend.StartAsync();
        await using var reader = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, ReaderConfig, output, "JetStream"));
        await using var a = await GatewayProcess.StartAsync(GatewayLaunchOptions.For(nats, WatchTests.Config(backend.Url, Interval), output, "JetStream"));
        await using var b = await GatewayProcess.StartAsync(GatewayLaunchOptions.For(nats, WatchTests.Config(backend.Url, Interval), output, "JetStream"));
        await Eventually.TrueAsync(async () => (await reader.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, Timeout, "reader ready");
        await using var connection = await nats.ConnectAsync();

        var cursor = await MatrixGateways.NegotiateCursorAsync(reader, Path);
        using var stopReading = new CancellationTokenSource();
        var seen = new System.Collections.Concurrent.ConcurrentQueue<int>();
        var reading = Task.Run(async () =>
        {
            try
            {
                await foreach (var item in RawPushClient.SseAsync(reader.PublicUrl, Path, cursor, stopReading.Token))
                {
                    if (item.Kind == PushItemKind.Event)
                    {
                        seen.Enqueue(Version(item));
                    }
                }
            }
            catch (OperationCanceledException) when (stopReading.IsCancellationRequested)
            {
            }
        });

        // A subscriber on each watching instance keeps its watcher running (and competing for the lease).
        var subscribers = new Dictionary<GatewayProcess, CancellationTokenSource>();
        async Task SubscribeAsync(GatewayProcess g)
        {
            // Ready first (a restarted instance refuses sessions until its stream is there), then a session that holds.
            await Eventually.TrueAsync(async () => (await g.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, Timeout, "ready");
            var stop = new CancellationTokenSource();
            subscribers[g] = stop;
            _ = RawPushClient.CollectAsync(RawPushClient.SseAsync(g.PublicUrl, Path, null, stop.Token), _ => false, Timeout * 4);
            await Eventually.TrueAsync(async () => MetricsText.Sum(await g.ManagementClient.GetStringAsync("/metrics"), "gateway_sessions_active{route=\"item-events\"") >= 1,
                Timeout, "a session on the watching instance");
        }

        await SubscribeAsync(a);
        await SubscribeAsync(b);
        var version = 1;
        await Eventually.TrueAsync(() => seen.Contains(1), Timeout, "the first holder announces version 1");

        for (var round = 0; round < 4; round++)
        {
            var holderPid = await HolderPidAsync(connection);
            var holder = holderPid == a.Id ? a : holderPid == b.Id ? b : throw new InvalidOperationException($"lease held by pid {holderPid}, not {a.Id} or {b.Id}");

            // Change and kill at once: the holder may die before its poll, between its publish and its baseline, or after.
            version = backend.Change("7");
            if (round % 2 == 1)
            {
                var before = backend.Gets;
                await Eventually.TrueAsync(() => backend.Gets > before, Timeout, "the holder polls the new version");
            }

            holder.Kill();
            await subscribers[holder].CancelAsync();
            var expected = version;
            await Eventually.TrueAsync(() => seen.Contains(expected), Timeout, $"version {expected} after the kill in round {round + 1}");

            await holder.RestartAsync();
            await SubscribeAsync(holder);
        }

        // Quiet: several polls of the unchanged resource announce nothing more.
        var gets = backend.Gets;
        await Eventually.TrueAsync(() => backend.Gets >= gets + 4, Timeout, "four more polls");
        await stopReading.CancelAsync();
        await reading;
        Assert.Equal(Enumerable.Range(1, version), seen);
        foreach (var stop in subscribers.Values)
        {
            await stop.CancelAsync();
        }
    }

    private static int Version(PushItem item) => JsonDocument.Parse(item.Data!).RootElement.GetProperty("version").GetInt32();

    /// <summary>The process id of the lease holder, from the lease entry (owner = host-pid-random).</summary>
    private async Task<int> HolderPidAsync(NATS.Client.Core.NatsConnection connection)
    {
        var kv = new NatsKVContext(new NatsJSContext(connection));
        var store = await kv.GetStoreAsync($"gateway_watch_leases_{(int)(TimeSpan.Parse(Interval, System.Globalization.CultureInfo.InvariantCulture).TotalMilliseconds * 3)}");
        var pid = 0;
        await Eventually.TrueAsync(async () =>
        {
            var entry = await store.TryGetEntryAsync<byte[]>(Subject);
            if (!entry.Success || entry.Value.Value is not { Length: > 0 } bytes)
            {
                TestOutput.TryWriteLine(output, $"[test] no lease entry: {(entry.Success ? "empty" : entry.Error.Message)}");
                return false;
            }

            TestOutput.TryWriteLine(output, "[test] lease entry: " + System.Text.Encoding.UTF8.GetString(bytes));

            var owner = JsonDocument.Parse(bytes).RootElement.GetProperty("Owner").GetString() ?? string.Empty;
            var parts = owner.Split('-');
            return parts.Length >= 3 && int.TryParse(parts[^2], System.Globalization.CultureInfo.InvariantCulture, out pid);
        }, Timeout, "a lease holder");
        return pid;
    }
}
