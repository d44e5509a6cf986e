using Gateway.Presence;

namespace Gateway.Presence.Tests;

/// <summary>
/// The refresh cycle on a fake clock with several instances sharing one in-memory bucket: writes follow subjects, not
/// members; the grace keeps reconnects quiet; a dead instance's members are reaped after the TTL and announced once.
/// </summary>
public sealed class PresenceTrackerTests
{
    [Fact]
    public async Task Cycle_TenThousandMembersInTenSubjects_OneWritePerSubjectPerChangeAndPerRefresh()
    {
        var kit = new PresenceKit();
        var route = PresenceKit.Route(ttl: TimeSpan.FromSeconds(30));
        var tracker = kit.Tracker("a");
        for (var room = 0; room < 10; room++)
        {
            for (var member = 0; member < 1000; member++)
            {
                Assert.True(tracker.Join(route, $"room{room}", PresenceKit.Peer($"c{room}-{member}")));
            }
        }

        await PresenceKit.CycleAsync(tracker);
        Assert.Equal(10, kit.Bucket.Writes);
        Assert.Equal(1000, kit.Bucket.Record("room3", "a")!.Members.Count);

        // Nothing changed and the records are fresh: no write, however many cycles.
        for (var i = 0; i < 5; i++)
        {
            kit.Time.Advance(TimeSpan.FromSeconds(1));
            await PresenceKit.CycleAsync(tracker);
        }

        Assert.Equal(10, kit.Bucket.Writes);

        // A third of the TTL after the write: every subject is rewritten once.
        kit.Time.Advance(TimeSpan.FromSeconds(5));
        await PresenceKit.CycleAsync(tracker);
        Assert.Equal(20, kit.Bucket.Writes);

        // A burst of changes within one cycle is one write of that subject.
        for (var member = 0; member < 100; member++)
        {
            tracker.Leave("room0", PresenceKit.Peer($"c0-{member}"), TimeSpan.Zero);
        }

        await PresenceKit.CycleAsync(tracker);
        Assert.Equal(21, kit.Bucket.Writes);
        Assert.Equal(900, kit.Bucket.Record("room0", "a")!.Members.Count);
    }

    [Fact]
    public async Task Leave_ReconnectWithinGrace_IsNeitherLeaveNorJoin_AfterGraceOneLeave()
    {
        var kit = new PresenceKit();
        var route = PresenceKit.Route(grace: TimeSpan.FromSeconds(5));
        var tracker = kit.Tracker("a");
        var peer = PresenceKit.Peer("c1");

        tracker.Join(route, "room", peer);
        await PresenceKit.CycleAsync(tracker);
        tracker.Leave("room", peer, TimeSpan.FromSeconds(5));
        kit.Time.Advance(TimeSpan.FromSeconds(4));
        await PresenceKit.CycleAsync(tracker);
        Assert.Equal(["c1"], await PresenceKit.ListAsync(tracker, route));

        // The same client again before the grace ran out, then gone for good.
        tracker.Join(route, "room", peer);
        kit.Time.Advance(TimeSpan.FromSeconds(2));
        await PresenceKit.CycleAsync(tracker);
        Assert.Equal(1, kit.Bucket.Writes);
        tracker.Leave("room", peer, TimeSpan.FromSeconds(5));
        kit.Time.Advance(TimeSpan.FromSeconds(5));
        await PresenceKit.CycleAsync(tracker);

        Assert.Equal(["join:c1", "leave:c1"], kit.Broker.Events());
        Assert.Empty(await PresenceKit.ListAsync(tracker, route));
    }

    [Fact]
    public async Task TwoSessionsOfOneMember_FirstEnds_MemberStays()
    {
        var kit = new PresenceKit();
        var route = PresenceKit.Route();
        var tracker = kit.Tracker("a");
        var peer = PresenceKit.Peer("c1");
        tracker.Join(route, "room", peer);
        tracker.Join(route, "room", peer);
        await PresenceKit.CycleAsync(tracker);

        tracker.Leave("room", peer, TimeSpan.Zero);
        await PresenceKit.CycleAsync(tracker);

        Assert.Equal(["c1"], await PresenceKit.ListAsync(tracker, route));
        Assert.Equal(["join:c1"], kit.Broker.Events());
    }

    [Fact]
    public async Task ReconnectToAnotherInstance_WithinGrace_OneJoinAndOneLeaveInAll()
    {
        var kit = new PresenceKit();
        var route = PresenceKit.Route(grace: TimeSpan.FromSeconds(5));
        var a = kit.Tracker("a");
        var b = kit.Tracker("b");
        var peer = PresenceKit.Peer("c1");

        a.Join(route, "room", peer);
        await PresenceKit.CycleAsync(a, b);
        a.Leave("room", peer, TimeSpan.FromSeconds(5));
        b.Join(route, "room", peer);
        await PresenceKit.CycleAsync(a, b);
        kit.Time.Advance(TimeSpan.FromSeconds(6));
        await PresenceKit.CycleAsync(a, b);
        Assert.Equal(["c1"], await PresenceKit.ListAsync(a, route));
        Assert.Equal(["join:c1"], kit.Broker.Events());

        b.Leave("room", peer, TimeSpan.Zero);
        await PresenceKit.CycleAsync(a, b);
        Assert.Equal(["join:c1", "leave:c1"], kit.Broker.Events());
        Assert.Empty(await PresenceKit.ListAsync(a, route));
    }

    [Fact]
    public async Task InstanceStopsRefreshing_ItsMembersLeaveTheListWithinTheTtl_OneLeaveAnnouncedByOneSurvivor()
    {
        var kit = new PresenceKit();
        var route = PresenceKit.Route(ttl: TimeSpan.FromSeconds(9));
        var dead = kit.Tracker("dead");
        var b = kit.Tracker("b");
        var c = kit.Tracker("c");
        dead.Join(route, "room", PresenceKit.Peer("x"));
        b.Join(route, "room", PresenceKit.Peer("y"));
        c.Join(route, "room", PresenceKit.Peer("z"));
        await PresenceKit.CycleAsync(dead, b, c);
        Assert.Equal(["x", "y", "z"], (await PresenceKit.ListAsync(b, route)).Order().ToList());

        // "dead" stops: no more cycles. Just before the TTL it is still listed and nothing is reaped.
        for (var s = 1; s < 9; s++)
        {
            kit.Time.Advance(TimeSpan.FromSeconds(1));
            await PresenceKit.CycleAsync(b, c);
        }

        Assert.Contains("x", await PresenceKit.ListAsync(c, route));
        Assert.Equal(0, kit.Bucket.Reaps);

        kit.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.DoesNotContain("x", await PresenceKit.ListAsync(c, route));
        await PresenceKit.CycleAsync(b, c);

        Assert.Equal(1, kit.Bucket.Reaps);
        Assert.Equal(["y", "z"], (await PresenceKit.ListAsync(b, route)).Order().ToList());
        Assert.Equal(1, kit.Broker.Events().Count(e => e == "leave:x"));
        Assert.Equal("leave:x", kit.Broker.Events()[^1]);
    }

    [Fact]
    public async Task Join_SubjectAtMaxMembers_SessionIsUntracked_ListStaysAtTheCap()
    {
        var kit = new PresenceKit();
        var route = PresenceKit.Route(maxMembers: 2);
        var a = kit.Tracker("a");
        var b = kit.Tracker("b");
        Assert.True(a.Join(route, "room", PresenceKit.Peer("c1")));
        Assert.True(a.Join(route, "room", PresenceKit.Peer("c2")));
        await PresenceKit.CycleAsync(a, b);
        Assert.Equal(2, (await PresenceKit.ListAsync(b, route)).Count);

        Assert.False(a.Join(route, "room", PresenceKit.Peer("c3")));
        Assert.False(b.Join(route, "room", PresenceKit.Peer("c4")));
        Assert.True(b.Join(route, "room", PresenceKit.Peer("c1")));
        await PresenceKit.CycleAsync(a, b);

        Assert.Equal(["c1", "c2"], (await PresenceKit.ListAsync(b, route)).Order().ToList());
        Assert.Equal(2, kit.Metrics.PresenceUntracked.WithLabels("r").Value);
    }
}
