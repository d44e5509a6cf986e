using System.Diagnostics.CodeAnalysis;
using Gateway.Broker;
using Gateway.Routing;
using Gateway.Sessions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Model;

namespace Gateway.Sessions.Tests;

/// <summary>
/// The once-a-second sweep on a fake clock: it closes a session when its token expires (not a tick before), cuts a
/// write blocked longer than the write timeout (a client that stopped reading and never closes) and, under the
/// disconnect policy, a session whose blocked write left it more than its queue behind.
/// </summary>
public sealed class SessionSweeperTests
{
    private static readonly RouteConfig Config = new() { RouteId = "r", Match = new RouteMatch { Path = "/t" } };
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task TokenExpiry_ClosesTheSessionAtExpiry_NotBefore()
    {
        using var kit = new SessionTestKit();
        var (sweeper, registry) = Sweeper(kit);
        var writer = new RecordingWriter();
        var session = Start(kit, registry, writer, tokenExpiry: kit.Time.GetUtcNow() + TimeSpan.FromSeconds(10));
        var run = Task.Run(session.RunAsync);

        sweeper.Sweep();
        kit.Time.Advance(TimeSpan.FromSeconds(9.9));
        sweeper.Sweep();
        Assert.Null(session.RequestedClose);

        kit.Time.Advance(TimeSpan.FromSeconds(0.2));
        sweeper.Sweep();
        Assert.Equal(CloseReason.TokenExpired, await run.WaitAsync(Timeout));
        Assert.Equal("close:TokenExpired", writer.Log[^1]);
    }

    [Fact]
    public async Task BlockedWrite_CutAfterTheWriteTimeout_NotBefore()
    {
        using var kit = new SessionTestKit();
        var (sweeper, registry) = Sweeper(kit);
        var writer = new RecordingWriter { Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var session = Start(kit, registry, writer);
        var run = Task.Run(session.RunAsync);
        kit.Publish();
        await WaitUntilAsync(() => session.InWrite);

        // The write timeout is the larger of Gateway:Push:WriteTimeout (30 s) and two heartbeats (2 x 15 s).
        kit.Time.Advance(TimeSpan.FromSeconds(29));
        sweeper.Sweep();
        Assert.False(writer.Aborted);

        kit.Time.Advance(TimeSpan.FromSeconds(2));
        sweeper.Sweep();
        Assert.True(writer.Aborted, "the wire is cut");

        // Cutting the wire fails the blocked write in real life; here it is released, and the session ends with the reason.
        writer.Hold!.SetResult();
        Assert.Equal(CloseReason.Timeout, await run.WaitAsync(Timeout));
    }

    [Fact]
    public async Task SlowConsumer_BlockedAndMoreThanItsQueueBehind_CutAfterTheSlowWriteTime()
    {
        using var kit = new SessionTestKit(capacity: 4096);
        var (sweeper, registry) = Sweeper(kit);
        var writer = new RecordingWriter { Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var session = Start(kit, registry, writer);
        var run = Task.Run(session.RunAsync);
        kit.Publish();
        await WaitUntilAsync(() => session.InWrite);
        for (var i = 0; i < 1100; i++)
        {
            kit.Publish();
        }

        Assert.True(session.Lag > SessionTestKit.Route().QueueCapacity);
        kit.Time.Advance(SessionSweeper.SlowWrite - TimeSpan.FromMilliseconds(100));
        sweeper.Sweep();
        Assert.False(writer.Aborted);

        kit.Time.Advance(TimeSpan.FromMilliseconds(200));
        sweeper.Sweep();
        Assert.True(writer.Aborted, "a blocked session more than its queue behind is cut");
        writer.Hold!.SetResult();
        Assert.Equal(CloseReason.SlowConsumer, await run.WaitAsync(Timeout));
    }

    private static PushSession Start(SessionTestKit kit, SessionRegistry registry, RecordingWriter writer, DateTimeOffset? tokenExpiry = null)
    {
        var start = new SessionStart(SessionTestKit.Route(), Config, "t", SessionMode.Stream, TimeSpan.Zero, null, tokenExpiry);
        var session = new PushSession(start, kit.Topic, kit.Topic.Head, writer, kit.Services, () => writer.Aborted = true, CancellationToken.None);
        registry.Register(session);
        return session;
    }

    private static (SessionSweeper Sweeper, SessionRegistry Registry) Sweeper(SessionTestKit kit)
    {
        var registry = new SessionRegistry(kit.Metrics, kit.Time);
        var topics = new TopicRegistry(null!, Options.Create(new BrokerOptions()), kit.Time, kit.Metrics, NullLoggerFactory.Instance);
        var sweeper = new SessionSweeper(registry, topics, new OneRoute(Config), new PushRouteTable(), kit.Services.Push, kit.Services, kit.Time, NullLogger<SessionSweeper>.Instance);
        return (sweeper, registry);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var cts = new CancellationTokenSource(Timeout);
        while (!condition())
        {
            await Task.Delay(5, cts.Token);
        }
    }

    private sealed class OneRoute(RouteConfig config) : IProxyStateLookup
    {
        public bool TryGetRoute(string id, [MaybeNullWhen(false)] out RouteModel route)
        {
            route = new RouteModel(config, null, Yarp.ReverseProxy.Forwarder.HttpTransformer.Default);
            return id == config.RouteId;
        }

        public IEnumerable<RouteModel> GetRoutes() => [];

        public bool TryGetCluster(string id, [MaybeNullWhen(false)] out ClusterState cluster)
        {
            cluster = null;
            return false;
        }

        public IEnumerable<ClusterState> GetClusters() => [];
    }
}
