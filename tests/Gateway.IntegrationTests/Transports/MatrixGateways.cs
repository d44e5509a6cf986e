using System.Collections.Concurrent;
using System.Net.Http.Json;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Transports;

/// <summary>
/// One real nats-server and one gateway per broker kind, shared by the transport matrix. Every test uses its own
/// subject, so they do not see each other's events.
/// </summary>
public sealed class MatrixGateways : IAsyncLifetime
{
    public const string Config = """
        {
          "Gateway": { "Broker": { "ReplayBufferSize": 16384, "MemoryHistorySize": 20000 }, "Push": { "ReconnectDelay": "00:00:00.500" }, "Limits": { "MaxSessionsPerClient": 1000000, "MaxPollsInFlightPerClient": 1000000, "MaxNegotiationsInFlightPerClient": 1000000, "GlobalConnectRate": 100000, "GlobalConnectBurst": 100000, "ConnectRatePerClient": 1000, "ConnectBurstPerClient": 5000, "PollRatePerClient": 1000, "PollBurstPerClient": 1000 } },
          "ReverseProxy": {
            "Routes": {
              "stream": { "Match": { "Path": "/t/{topic}/events" }, "Metadata": { "Push.Subject": "t.{topic}", "Push.Heartbeat": "00:00:01", "Push.Upstream": "t.{topic}.in" } },
              "slow": { "Match": { "Path": "/slow/{topic}/events" }, "Metadata": { "Push.Subject": "slow.{topic}", "Push.Heartbeat": "00:00:01", "Push.QueueCapacity": "20" } }
            },
            "Clusters": {}
          }
        }
        """;

    private readonly ConcurrentDictionary<string, Task<GatewayInstance>> _gateways = new();
    private NatsServerFixture? _nats;

    internal NatsServerFixture Nats => _nats ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync() => _nats = await NatsServerFixture.LaunchAsync();

    internal Task<GatewayInstance> GetAsync(string broker) => _gateways.GetOrAdd(broker, StartReadyAsync);

    private async Task<GatewayInstance> StartReadyAsync(string broker)
    {
        var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(Nats, Config, brokerKind: broker));
        await Eventually.TrueAsync(
            async () => (await gateway.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode,
            TimeSpan.FromSeconds(30),
            $"the {broker} gateway becomes ready");
        return gateway;
    }

    /// <summary>The newest cursor once it has moved past <paramref name="previous"/> (the broker delivered what was published).</summary>
    internal static async Task<string> WaitForNewCursorAsync(GatewayInstance gateway, string path, string previous)
    {
        var cursor = previous;
        await Eventually.TrueAsync(
            async () => (cursor = await NegotiateCursorAsync(gateway, path)) != previous,
            TimeSpan.FromSeconds(30),
            "the published event reaches the gateway");
        return cursor;
    }

    internal static async Task<string> NegotiateCursorAsync(GatewayInstance gateway, string path)
    {
        using var response = await gateway.PublicClient.PostAsync(path + "/negotiate", null);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        return body.GetProperty("cursor").GetString()!;
    }

    internal static async Task PublishAsync(GatewayInstance gateway, string subject, string payload, string eventType = "test")
    {
        using var content = new StringContent(payload);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/publish/{subject}") { Content = content };
        request.Headers.Add("Gw-Event", eventType);
        using var response = await gateway.ManagementClient.SendAsync(request);
        response.EnsureSuccessStatusCode();
    }

    public async Task DisposeAsync()
    {
        foreach (var g in _gateways.Values)
        {
            try
            {
                await (await g).DisposeAsync();
            }
            catch (Exception)
            {
                // A gateway that failed to start has nothing to dispose.
            }
        }

        if (_nats is not null)
        {
            await _nats.DisposeAsync();
        }
    }
}
