using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.IntegrationTests.Transports;

namespace Gateway.IntegrationTests.Security;

/// <summary>
/// The gateway's memory under a publish and connect flood, measured from outside (the gateway in its own process, its
/// working set read from its own <c>/metrics</c>): it stays within the budget documented in docs/security.md ("Memory
/// budget") because the replay rings are bounded in bytes, and a client on another route loses nothing meanwhile.
/// </summary>
public sealed class MemoryFloodTests(ITestOutputHelper output)
{
    /// <summary>
    /// Working-set growth allowed for this flood (docs/security.md, "Memory budget"): the rings may hold 16 MiB, the rest
    /// is sockets, buffers and garbage not yet collected. Without the byte bounds the rings alone would hold ~3000
    /// events with their encodings (over 400 MiB).
    /// </summary>
    private const long BudgetBytes = 160L << 20;

    private const int Rooms = 30;
    private const int PerRoom = 100;
    private const int PayloadBytes = 48 * 1024;
    private const int QuietEvents = 30;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(180);

    private const string Config = """
        {
          "Gateway": {
            "Broker": { "ReplayBufferBytes": 4194304, "ReplayTotalBytes": 16777216 },
            "Limits": {
              "PublishRatePerClient": 100000, "PublishBurstPerClient": 100000, "GlobalPublishRate": 100000, "GlobalPublishBurst": 100000,
              "ConnectRatePerClient": 100000, "ConnectBurstPerClient": 100000
            }
          },
          "ReverseProxy": {
            "Routes": {
              "room": { "Match": { "Path": "/rooms/{room}/events" }, "Metadata": { "Push.Subject": "flood.{room}", "Push.Upstream": "flood.{room}" } },
              "quiet": { "Match": { "Path": "/quiet/{id}/events" }, "Metadata": { "Push.Subject": "calm.{id}" } }
            },
            "Clusters": {}
          }
        }
        """;

    [Fact]
    public async Task PublishAndConnectFlood_MemoryStaysWithinBudget_AnotherRoutesClientLosesNothing()
    {
        await using var nats = await NatsServerFixture.LaunchAsync();
        var options = GatewayLaunchOptions.For(nats, Config, output, "JetStream");
        await using var gateway = await GatewayProcess.StartAsync(new GatewayLaunchOptions
        {
            ConfigJson = options.ConfigJson,
            BrokerUrl = options.BrokerUrl,
            BrokerKind = options.BrokerKind,
            Output = output,
            ExtraArgs = ["--Gateway:Broker:Storage=Memory"],
        });
        await Eventually.TrueAsync(async () => (await gateway.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, Timeout, "ready");
        using var stop = new CancellationTokenSource(Timeout);

        // The quiet route's client, from a cursor taken before the flood.
        var quietCursor = await NegotiateAsync(gateway, "/quiet/1/events");
        var quiet = RawPushClient.CollectAsync(RawPushClient.StreamAsync("websocket", gateway.PublicUrl, "/quiet/1/events", quietCursor, stop.Token),
            got => got.Count(i => i.Kind == PushItemKind.Event) >= QuietEvents || got.Any(i => i.Kind is PushItemKind.Reset or PushItemKind.Gap or PushItemKind.Closed), Timeout);

        // A subscriber per flooded room, so every room has a topic and a replay ring in the gateway.
        var received = new int[Rooms];
        var subscribers = Enumerable.Range(0, Rooms).Select(room => Task.Run(async () =>
        {
            try
            {
                await foreach (var item in RawPushClient.StreamAsync("websocket", gateway.PublicUrl, $"/rooms/r{room}/events", null, stop.Token))
                {
                    if (item.Kind == PushItemKind.Event)
                    {
                        Interlocked.Increment(ref received[room]);
                    }
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or System.Net.WebSockets.WebSocketException or IOException)
            {
            }
        })).ToList();

        var payload = Encoding.UTF8.GetBytes("{\"p\":\"" + new string('x', PayloadBytes) + "\"}");
        // A subscriber that connects after a room's first event starts after it: post again to the rooms not heard from.
        await Eventually.TrueAsync(async () =>
        {
            for (var room = 0; room < Rooms; room++)
            {
                if (Volatile.Read(ref received[room]) == 0)
                {
                    await PostAsync(gateway, room, payload);
                }
            }

            return received.All(n => Volatile.Read(ref n) >= 1);
        }, Timeout, "every flooded room's subscriber got its first event");
        var baseline = await WorkingSetAsync(gateway);
        var peak = baseline;
        var sampling = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peak = Math.Max(peak, await WorkingSetAsync(gateway));
            }
        });

        // The flood: PerRoom events of 48 KiB into each room over four connections, a quiet event every hundred posts.
        var sent = 0;
        var quietSent = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, Rooms * PerRoom), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, ct) =>
        {
            await PostAsync(gateway, i % Rooms, payload);
            if (Interlocked.Increment(ref sent) % 100 == 0)
            {
                await PublishQuietAsync(gateway, Interlocked.Increment(ref quietSent));
            }
        });

        while (quietSent < QuietEvents)
        {
            await PublishQuietAsync(gateway, ++quietSent);
        }

        await Eventually.TrueAsync(() => received.Sum() >= Rooms * (PerRoom + 1), Timeout, "the flood reached its subscribers");
        var items = await quiet;
        await stop.CancelAsync();
        await sampling;
        await Task.WhenAll(subscribers);

        var growth = peak - baseline;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"working set: baseline {baseline >> 20} MiB, peak {peak >> 20} MiB, growth {growth >> 20} MiB (budget {BudgetBytes >> 20} MiB); {Rooms * PerRoom} x {PayloadBytes >> 10} KiB published"));

        var events = items.Where(i => i.Kind == PushItemKind.Event).ToList();
        Assert.DoesNotContain(items, i => i.Kind is PushItemKind.Reset or PushItemKind.Gap);
        Assert.Equal(Enumerable.Range(1, QuietEvents).Select(n => $"{{\"n\":{n}}}"), events.Select(e => e.Data));
        Assert.True(growth < BudgetBytes, $"working set grew {growth >> 20} MiB under the flood; budget {BudgetBytes >> 20} MiB");
    }

    private static async Task PostAsync(GatewayProcess gateway, int room, byte[] payload)
    {
        using var content = new ByteArrayContent(payload);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var response = await gateway.PublicClient.PostAsync($"/rooms/r{room}/events", content);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    private static async Task PublishQuietAsync(GatewayProcess gateway, int n)
    {
        using var content = new StringContent($"{{\"n\":{n}}}", Encoding.UTF8, "application/json");
        using var response = await gateway.ManagementClient.PostAsync("/publish/calm.1", content);
        response.EnsureSuccessStatusCode();
    }

    private static async Task<string> NegotiateAsync(GatewayProcess gateway, string path)
    {
        using var response = await gateway.PublicClient.PostAsync(path + "/negotiate", content: null);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("cursor").GetString()!;
    }

    private static async Task<long> WorkingSetAsync(GatewayProcess gateway)
    {
        var metrics = await gateway.ManagementClient.GetStringAsync("/metrics");
        var line = metrics.Split('\n').Single(l => l.StartsWith("gateway_process_working_set_bytes ", StringComparison.Ordinal));
        return (long)double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
    }
}
