using Gateway.IntegrationTests.Infrastructure;
using Gateway.IntegrationTests.Watch;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Gateway.IntegrationTests.Broker.JetStream;

/// <summary>
/// The stream's limits follow the configuration, also for a stream that already exists; one subject's flood evicts
/// only its own history (docs/scale-out.md).
/// </summary>
public sealed class StreamSettingsTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ExistingStream_WithOtherLimits_IsUpdatedToTheConfiguration_AndTheChangeIsLogged()
    {
        await using var nats = await NatsServerFixture.LaunchAsync();
        await using var connection = await nats.ConnectAsync();
        var js = new NatsJSContext(connection);
        await js.CreateStreamAsync(new StreamConfig("GATEWAY", ["items.>"]) { MaxAge = TimeSpan.FromHours(1), MaxMsgs = 100, Storage = StreamConfigStorage.Memory });

        await using var gateway = await StartAsync(nats, WatchTests.Config("http://127.0.0.1:9"),
            "--Gateway:Broker:MaxAge=02:00:00", "--Gateway:Broker:MaxMessages=5000", "--Gateway:Broker:MaxMessagesPerSubject=50");

        var config = (await js.GetStreamAsync("GATEWAY")).Info.Config;
        Assert.Equal(TimeSpan.FromHours(2), config.MaxAge);
        Assert.Equal(5000, config.MaxMsgs);
        Assert.Equal(50, config.MaxMsgsPerSubject);
        var line = Assert.Single(gateway.Logs, l => l.Contains("Updated JetStream stream GATEWAY", StringComparison.Ordinal));
        Assert.Contains("MaxAge 01:00:00 -> 02:00:00", line, StringComparison.Ordinal);
        Assert.Contains("MaxMsgs 100 -> 5000", line, StringComparison.Ordinal);
        Assert.Equal(0, await RefusedAsync(gateway));
    }

    [Fact]
    public async Task ExistingStream_UpdateRefusedByTheServer_IsLoggedAndCounted_AndTheStreamIsUsedAsItIs()
    {
        await using var nats = await NatsServerFixture.LaunchAsync();
        await using var connection = await nats.ConnectAsync();
        var js = new NatsJSContext(connection);

        // Another stream already captures items.>: adding it to the gateway's stream overlaps, which JetStream refuses.
        await js.CreateStreamAsync(new StreamConfig("OTHER", ["items.>"]) { Storage = StreamConfigStorage.Memory });
        await js.CreateStreamAsync(new StreamConfig("GATEWAY", ["orders.>"]) { Storage = StreamConfigStorage.Memory });

        await using var gateway = await StartAsync(nats, WatchTests.Config("http://127.0.0.1:9"));

        Assert.Equal(1, await RefusedAsync(gateway));
        Assert.Contains(gateway.Logs, l => l.Contains("JetStream refused to update stream GATEWAY", StringComparison.Ordinal) && l.Contains("items.>", StringComparison.Ordinal));
        Assert.Equal(["orders.>"], (await js.GetStreamAsync("GATEWAY")).Info.Config.Subjects);
    }

    [Fact]
    public async Task OneSubjectFloods_AnotherSubjectsHistory_IsKept()
    {
        await using var nats = await NatsServerFixture.LaunchAsync();
        await using var gateway = await StartAsync(nats, WatchTests.Config("http://127.0.0.1:9"),
            "--Gateway:Broker:MaxMessages=20", "--Gateway:Broker:MaxMessagesPerSubject=10", "--Gateway:Broker:Storage=Memory");
        await using var connection = await nats.ConnectAsync();
        var js = new NatsJSContext(connection);

        (await js.PublishAsync("items.quiet", "{\"v\":1}"u8.ToArray())).EnsureSuccess();
        for (var i = 0; i < 100; i++)
        {
            (await js.PublishAsync("items.flood", "{\"v\":1}"u8.ToArray())).EnsureSuccess();
        }

        var stream = await js.GetStreamAsync("GATEWAY", new StreamInfoRequest { SubjectsFilter = "items.>" });
        var perSubject = stream.Info.State.Subjects!;
        Assert.Equal(1, perSubject["items.quiet"]);
        Assert.Equal(10, perSubject["items.flood"]);
    }

    private async Task<GatewayInstance> StartAsync(NatsServerFixture nats, string config, params string[] args)
    {
        var options = GatewayLaunchOptions.For(nats, config, output, "JetStream");
        var gateway = await GatewayInstance.StartAsync(new GatewayLaunchOptions
        {
            ConfigJson = options.ConfigJson,
            BrokerUrl = options.BrokerUrl,
            BrokerKind = options.BrokerKind,
            Output = output,
            ExtraArgs = args,
        });
        await Eventually.TrueAsync(async () => (await gateway.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, Timeout, "ready");
        return gateway;
    }

    private static async Task<double> RefusedAsync(GatewayInstance gateway) =>
        MetricsText.Sum(await gateway.ManagementClient.GetStringAsync("/metrics"), "gateway_broker_stream_updates_refused_total");
}
