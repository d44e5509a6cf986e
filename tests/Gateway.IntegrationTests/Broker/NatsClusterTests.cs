using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Broker;

/// <summary>
/// A NATS node, the stream leader or a frozen node under a steady stream of events, with SSE, WebSocket and long-poll
/// clients on two gateways: nothing lost, nothing twice on one connection, readiness back on both (docs/scale-out.md).
/// </summary>
[Collection(NatsClusterCollection.Name)]
public sealed class NatsClusterTests(ITestOutputHelper output)
{
    [Fact]
    public async Task GatewaysNodeKilled_ClientsOnEveryTransportLoseNothing()
    {
        await using var scenario = await ClusterScenario.StartAsync(output);
        Assert.Equal(3, await scenario.StreamReplicasAsync());
        await scenario.PublishedAtLeastAsync(20);

        await scenario.Cluster.Nodes[0].KillAsync(CancellationToken.None);
        await scenario.PublishedAtLeastAsync(40);

        await scenario.StopAndVerifyAsync();
        output.WriteLine($"A: {scenario.ReadinessA.Describe()}");
        output.WriteLine($"B: {scenario.ReadinessB.Describe()}");
        Assert.True(scenario.ReadinessA.Samples[^1].Ready, "gateway A is ready again on the surviving nodes");
        Assert.True(scenario.ReadinessB.Samples[^1].Ready, "gateway B is ready");
        Assert.True(scenario.ReadinessA.LongestUnready(TimeSpan.Zero) < TimeSpan.FromSeconds(10), "gateway A reconnects to a surviving node instead of staying unready");
    }

    [Fact]
    public async Task StreamLeaderKilled_ClientsOnEveryTransportLoseNothing()
    {
        await using var scenario = await ClusterScenario.StartAsync(output);
        await scenario.PublishedAtLeastAsync(20);

        var leader = await scenario.Cluster.StreamLeaderAsync(ClusterScenario.Stream, CancellationToken.None);
        Assert.NotNull(leader);
        await scenario.Cluster.Nodes[scenario.Cluster.IndexOf(leader)].KillAsync(CancellationToken.None);
        await Eventually.TrueAsync(
            async () => await scenario.Cluster.StreamLeaderAsync(ClusterScenario.Stream, CancellationToken.None) is { } next && next != leader,
            ClusterScenario.Timeout,
            "the stream elects a new leader");
        await scenario.PublishedAtLeastAsync(40);

        await scenario.StopAndVerifyAsync();
        output.WriteLine($"A: {scenario.ReadinessA.Describe()}");
        output.WriteLine($"B: {scenario.ReadinessB.Describe()}");
        Assert.True(scenario.ReadinessA.Samples[^1].Ready && scenario.ReadinessB.Samples[^1].Ready, "both gateways are ready after the election");
    }

    [Fact]
    public async Task NodeRestarted_ClientsOnEveryTransportLoseNothing()
    {
        await using var scenario = await ClusterScenario.StartAsync(output);
        await scenario.PublishedAtLeastAsync(20);

        await scenario.Cluster.Nodes[1].StopAsync(CancellationToken.None);
        await scenario.PublishedAtLeastAsync(20);
        await scenario.Cluster.RestartAsync(1, CancellationToken.None);
        await scenario.PublishedAtLeastAsync(20);

        await scenario.StopAndVerifyAsync();
        output.WriteLine($"A: {scenario.ReadinessA.Describe()}");
        output.WriteLine($"B: {scenario.ReadinessB.Describe()}");
        Assert.True(scenario.ReadinessA.Samples[^1].Ready && scenario.ReadinessB.Samples[^1].Ready, "both gateways are ready after the restart");
    }

    [Fact]
    public async Task GatewaysNodeFrozen_ReadinessFlipsAndRecovers_ClientsLoseNothing()
    {
        await using var scenario = await ClusterScenario.StartAsync(output);
        await scenario.PublishedAtLeastAsync(20);

        var frozenAt = scenario.Clock.Elapsed;
        scenario.Cluster.Nodes[0].Pause();
        try
        {
            await Eventually.TrueAsync(() => scenario.ReadinessA.FirstUnready(frozenAt) is not null, ClusterScenario.Timeout, "gateway A reports unready while its node is frozen");

            // /readyz asks the stream with a 2 s timeout; the probe sampling it adds at most one interval.
            Assert.True(scenario.ReadinessA.FirstUnready(frozenAt) - frozenAt < TimeSpan.FromSeconds(5), "readiness flips within seconds of the freeze");
            await Eventually.TrueAsync(() => scenario.ReadinessA.Samples[^1].Ready, ClusterScenario.Timeout, "gateway A moves to a live node and is ready again");
            await scenario.PublishedAtLeastAsync(40);
        }
        finally
        {
            scenario.Cluster.Nodes[0].Resume();
        }

        await scenario.PublishedAtLeastAsync(20);
        await scenario.StopAndVerifyAsync();
        output.WriteLine($"A: {scenario.ReadinessA.Describe()}");
        output.WriteLine($"B: {scenario.ReadinessB.Describe()}");
        Assert.True(scenario.ReadinessB.Samples[^1].Ready, "gateway B is ready");
    }
}
