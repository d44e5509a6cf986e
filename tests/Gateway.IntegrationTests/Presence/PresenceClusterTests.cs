using System.Collections.Concurrent;
using System.Diagnostics;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.IntegrationTests.Watch;

namespace Gateway.IntegrationTests.Presence;

/// <summary>
/// Presence across two gateway processes on one real nats-server (docs/presence.md): both list both instances'
/// members, a SIGKILLed instance's member is gone within the TTL with one leave, events arrive in order, and a client
/// that reconnects to the other instance with its client id is neither a leave nor a join.
/// </summary>
public sealed class PresenceClusterTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(3);
    private const string Room = "/rooms/r1/cursors";

    private static string Config => """
        {
          "Gateway": { "Limits": { "ConnectRatePerClient": 10000, "ConnectBurstPerClient": 10000 } },
          "ReverseProxy": {
            "Routes": {
              "rooms": {
                "Match": { "Path": "/rooms/{room}/cursors" },
                "Metadata": {
                  "Push.Subject": "rooms.{room}.cursors", "Push.Heartbeat": "00:00:02",
                  "Push.Presence": "true", "Push.PresenceEvents": "true", "Push.PresenceTtl": "00:00:03", "Push.PresenceGrace": "00:00:03"
                }
              }
            },
            "Clusters": {}
          }
        }
        """;

    [Fact]
    public async Task TwoInstances_BothListBoth_KilledInstancesMemberGoneWithinTtl_JoinsAndLeaveInOrderOnce()
    {
        await using var nats = await NatsServerFixture.LaunchAsync();
        await using var a = await GatewayProcess.StartAsync(GatewayLaunchOptions.For(nats, Config, output, "JetStream"));
        await using var b = await GatewayProcess.StartAsync(GatewayLaunchOptions.For(nats, Config, output, "JetStream"));
        await ReadyAsync(a, b);

        using var stop = new CancellationTokenSource();
        var events = new ConcurrentQueue<string>();
        var watching = PresenceReader.FollowAsync(a.PublicUrl, Room + "?clientId=watcher", events, stop.Token);
        await ListedAsync(a, ["watcher"]);

        var alice = PresenceReader.FollowAsync(a.PublicUrl, Room + "?clientId=alice", new ConcurrentQueue<string>(), stop.Token);
        await ListedAsync(a, ["watcher", "alice"]);
        var bob = PresenceReader.FollowAsync(b.PublicUrl, Room + "?clientId=bob", new ConcurrentQueue<string>(), stop.Token);
        await ListedAsync(a, ["watcher", "alice", "bob"]);
        await ListedAsync(b, ["watcher", "alice", "bob"]);

        b.Kill();
        var killed = Stopwatch.StartNew();
        await ListedAsync(a, ["watcher", "alice"]);
        var gone = killed.Elapsed;
        output.WriteLine($"[test] bob left A's list {gone.TotalMilliseconds:0} ms after the SIGKILL (TTL {Ttl.TotalMilliseconds:0} ms)");
        Assert.True(gone <= Ttl + TimeSpan.FromSeconds(1), $"bob was listed {gone} after the kill");

        await Eventually.TrueAsync(() => events.Contains("leave:bob"), Timeout, "the leave of the killed instance's member");
        await stop.CancelAsync();
        await watching;
        await alice;
        await bob;
        Assert.Equal(["join:alice", "join:bob", "leave:bob"], events.Where(e => !e.EndsWith(":watcher", StringComparison.Ordinal)).ToList());
    }

    [Fact]
    public async Task ClientReconnectsToTheOtherInstance_WithItsClientId_IsNeitherLeaveNorJoin()
    {
        await using var nats = await NatsServerFixture.LaunchAsync();
        await using var a = await GatewayProcess.StartAsync(GatewayLaunchOptions.For(nats, Config, output, "JetStream"));
        await using var b = await GatewayProcess.StartAsync(GatewayLaunchOptions.For(nats, Config, output, "JetStream"));
        await ReadyAsync(a, b);

        using var stop = new CancellationTokenSource();
        var events = new ConcurrentQueue<string>();
        var watching = PresenceReader.FollowAsync(a.PublicUrl, Room + "?clientId=watcher", events, stop.Token);
        await ListedAsync(a, ["watcher"]);

        using var first = new CancellationTokenSource();
        var onA = PresenceReader.FollowAsync(a.PublicUrl, Room + "?clientId=carol", new ConcurrentQueue<string>(), first.Token);
        await ListedAsync(b, ["watcher", "carol"]);
        await Eventually.TrueAsync(() => events.Contains("join:carol"), Timeout, "carol's join");

        // The connection drops; A sees the session end; the client comes back on the other instance with the same id after
        // a reconnect delay well within the grace (a client's backoff, not a wait for the gateway: A's cycle runs meanwhile).
        await first.CancelAsync();
        await onA;
        await Eventually.TrueAsync(async () => MetricsText.Sum(await a.ManagementClient.GetStringAsync("/metrics"), "gateway_sessions_active{route=\"rooms\"") == 1,
            Timeout, "A saw carol's session end");
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        using var second = new CancellationTokenSource();
        var onB = PresenceReader.FollowAsync(b.PublicUrl, Room + "?clientId=carol", new ConcurrentQueue<string>(), second.Token);
        await Eventually.TrueAsync(async () => MetricsText.Sum(await b.ManagementClient.GetStringAsync("/metrics"), "gateway_presence_members{route=\"rooms\"") == 1,
            Timeout, "B holds carol");

        // A lets carol go after its grace (its gauge drops); carol stays listed everywhere through B.
        await Eventually.TrueAsync(async () => MetricsText.Sum(await a.ManagementClient.GetStringAsync("/metrics"), "gateway_presence_members{route=\"rooms\"") == 1,
            Timeout, "A's grace for carol ran out");
        await ListedAsync(a, ["watcher", "carol"]);

        // Now carol really leaves, announced by B. A marker published after that announcement follows everything before it
        // on the stream: exactly one join and one leave in all.
        await second.CancelAsync();
        await onB;
        await Eventually.TrueAsync(async () => MetricsText.Sum(await b.ManagementClient.GetStringAsync("/metrics"), "gateway_presence_events_total{route=\"rooms\",type=\"leave\",result=\"published\"}") == 1,
            Timeout, "B announced carol's leave");
        using var publisher = new HttpClient();
        (await publisher.PostAsync($"{b.ManagementUrl}/publish/rooms.r1.cursors", new StringContent("{\"marker\":true}"))).EnsureSuccessStatusCode();
        await Eventually.TrueAsync(() => events.Contains("event"), Timeout, "the marker");
        await stop.CancelAsync();
        await watching;
        output.WriteLine("[test] events: " + string.Join(", ", events));
        Assert.Equal(["join:carol", "leave:carol"], events.Where(e => e.EndsWith(":carol", StringComparison.Ordinal)).ToList());
    }

    private static async Task ReadyAsync(params GatewayProcess[] gateways)
    {
        foreach (var g in gateways)
        {
            await Eventually.TrueAsync(async () => (await g.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, Timeout, "ready");
        }
    }

    private static Task ListedAsync(GatewayProcess g, string[] clients) =>
        Eventually.TrueAsync(async () => (await PresenceReader.ClientsAsync(g.PublicClient, Room + "/presence")).Order().SequenceEqual(clients.Order()),
            Timeout, $"{g.PublicUrl} lists exactly {string.Join(", ", clients)}");
}
