using System.Diagnostics;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.IntegrationTests.Transports;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.IntegrationTests.Broker;

/// <summary>
/// A single nats-server frozen (SIGSTOP: sockets open, nothing answers) under live sessions: readiness turns 503 within
/// seconds, comes back after SIGCONT, and every session still delivers afterwards (no deaf session).
/// </summary>
[Collection(NatsClusterCollection.Name)]
public sealed class FrozenBrokerTests(ITestOutputHelper output)
{
    [Fact]
    public async Task BrokerFrozenThenThawed_ReadinessFlipsAndRecovers_NoSessionGoesDeaf()
    {
        var binary = NatsServerLocator.FindBinary() ?? throw new InvalidOperationException("This test needs the nats-server binary.");
        await using var nats = await NatsServerProcess.LaunchAsync(binary, CancellationToken.None);
        await using var gateway = await GatewayInstance.StartAsync(new GatewayLaunchOptions
        {
            ConfigJson = ClusterScenario.Config,
            BrokerUrl = nats.Url,
            Output = output,
            ExtraArgs = ["--Gateway:Broker:PingInterval=00:00:01", "--Gateway:Broker:MaxPingsOut=2"],
        });
        await Eventually.TrueAsync(async () => (await gateway.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, ClusterScenario.Timeout, "ready");
        var cursor = await MatrixGateways.NegotiateCursorAsync(gateway, ClusterScenario.Path);
        using var stop = new CancellationTokenSource();
        var clients = new[] { "sse", "websocket", "longpolling" }
            .Select(t => RecordingClient.Start(t, [gateway.PublicUrl], ClusterScenario.Path, cursor, stop.Token)).ToList();
        await using var readiness = new ReadinessLog(gateway.ManagementClient, Stopwatch.StartNew());
        await using var publisher = SteadyPublisher.Start(nats.Url, ClusterScenario.Subject);
        await Eventually.TrueAsync(() => publisher.Published >= 20, ClusterScenario.Timeout, "events flow");

        var frozenAt = readiness.Samples[^1].At;
        nats.Pause();
        try
        {
            await Eventually.TrueAsync(() => readiness.FirstUnready(frozenAt) is not null, TimeSpan.FromSeconds(10), "readiness flips while the broker is frozen");
            Assert.True(readiness.FirstUnready(frozenAt) - frozenAt < TimeSpan.FromSeconds(5), $"readiness flips within seconds: {readiness.Describe()}");

            // Long enough for the client to give the frozen connection up (ping interval x 3) and start reconnecting.
            await Eventually.TrueAsync(() => !gateway.Services.GetRequiredService<Gateway.Broker.IEventBroker>().IsConnected, ClusterScenario.Timeout, "the gateway notices the frozen connection");
        }
        finally
        {
            nats.Resume();
        }

        await Eventually.TrueAsync(() => readiness.Samples[^1].Ready, ClusterScenario.Timeout, "ready again after SIGCONT");
        var target = publisher.Published + 20;
        await Eventually.TrueAsync(() => publisher.Published >= target, ClusterScenario.Timeout, $"events flow after the thaw (last publish error: {publisher.LastError})");
        await publisher.StopAsync();

        var expected = publisher.Payloads.ToHashSet(StringComparer.Ordinal);
        foreach (var client in clients)
        {
            await Eventually.TrueAsync(() => client.DistinctData().IsSupersetOf(expected), ClusterScenario.Timeout,
                $"{client} receives every event, those after the thaw included (missing: {string.Join(",", expected.Except(client.DistinctData()).Take(20))})");
        }

        await stop.CancelAsync();
        await Task.WhenAll(clients.Select(c => c.Completion)).WaitAsync(ClusterScenario.Timeout);
        foreach (var client in clients)
        {
            foreach (var connection in client.Connections)
            {
                var ids = connection.Where(i => i.Kind == PushItemKind.Event).Select(i => i.Id).ToList();
                Assert.Equal(ids.Count, ids.Distinct().Count());
                Assert.DoesNotContain(connection, i => i.Kind == PushItemKind.Reset);
            }
        }
    }
}
