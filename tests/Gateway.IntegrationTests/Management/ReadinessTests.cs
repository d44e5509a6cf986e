using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Management;

/// <summary>Readiness follows the broker: 503 with a JSON reason while NATS is away, 200 again when it returns, no restart.</summary>
public sealed class ReadinessTests(ITestOutputHelper output)
{
    private const string Config = """{ "ReverseProxy": { "Routes": {}, "Clusters": {} } }""";

    [Theory]
    [InlineData("JetStream")]
    [InlineData("Nats")]
    public async Task Readyz_FollowsTheBroker_WithoutRestartingTheGateway(string broker)
    {
        await using var nats = await NatsServerFixture.LaunchAsync();
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config, output, broker));
        var timeout = TimeSpan.FromSeconds(30);
        await Eventually.TrueAsync(async () => (await gateway.ManagementClient.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK, timeout, "ready with NATS up");

        await nats.StopAsync();
        await Eventually.TrueAsync(async () => (await gateway.ManagementClient.GetAsync("/readyz")).StatusCode == HttpStatusCode.ServiceUnavailable, timeout, "unready with NATS down");
        using (var down = await gateway.ManagementClient.GetAsync("/readyz"))
        {
            var body = await down.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("broker_unavailable", body.GetProperty("reason").GetString());
        }

        using (var health = await gateway.ManagementClient.GetAsync("/healthz"))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        await nats.StartAsync();
        await Eventually.TrueAsync(async () => (await gateway.ManagementClient.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK, timeout, "ready again with NATS back");
        var metrics = await gateway.ManagementClient.GetStringAsync("/metrics");
        Assert.Contains("gateway_broker_connected 1", metrics, StringComparison.Ordinal);
        Assert.Contains("gateway_broker_connects_total 2", metrics, StringComparison.Ordinal);
    }
}
