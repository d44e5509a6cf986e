using Gateway.Broker;

namespace Gateway.Sessions.Tests;

public class TopicTests
{
    private sealed class Waiter : ITopicWaiter
    {
        public int WaiterSlot { get; set; } = -1;

        public int Wakes { get; private set; }

        public void Wake(bool inline) => Wakes++;
    }

    [Fact]
    public void Read_AfterAppends_ReturnsEventsAfterTheCursorInOrder()
    {
        using var kit = new SessionTestKit();
        var start = kit.Topic.Head;
        for (var i = 0; i < 5; i++)
        {
            kit.Publish();
        }

        var batch = new List<EventEntry>();
        Assert.Equal(TopicRead.Events, kit.Topic.Read(new Cursor(start.Epoch, 2), 100, batch));
        Assert.Equal([3UL, 4UL, 5UL], batch.Select(e => e.Sequence));
    }

    [Fact]
    public void Read_CountBoundReached_OldestEvictedAndOlderCursorNeedsHistory()
    {
        using var kit = new SessionTestKit(capacity: 16);
        for (var i = 0; i < 40; i++)
        {
            kit.Publish();
        }

        var batch = new List<EventEntry>();
        Assert.Equal(TopicRead.NeedsHistory, kit.Topic.Read(new Cursor("e1", 10), 100, batch));
        Assert.Equal(24UL, kit.Topic.EvictedThrough);
        Assert.Equal(TopicRead.Events, kit.Topic.Read(new Cursor("e1", 24), 100, batch));
        Assert.Equal(16, batch.Count);
    }

    [Fact]
    public void Append_LargeEvents_RingBoundedInBytesPerSubject()
    {
        using var kit = new SessionTestKit(capacity: 1024, maxBytes: 1 << 20);
        for (var i = 0; i < 100; i++)
        {
            kit.Publish(size: 64 * 1024);
        }

        // 100 x 64 KiB published; the ring keeps what fits in 1 MiB (each entry counts its two encodings too).
        Assert.InRange(kit.Topic.Bytes, 1, 1 << 20);
        Assert.True(kit.Topic.EvictedThrough > 90);
        Assert.Equal(kit.Topic.Bytes, kit.Budget.Bytes);
    }

    [Fact]
    public void Append_InstanceBudgetExceeded_AppendingSubjectEvictsItsOwnOldest()
    {
        using var kit = new SessionTestKit(capacity: 1024, maxBytes: 64L << 20, totalBytes: 2L << 20);
        var quiet = kit.NewTopic("quiet", 1024, 64L << 20);
        kit.Publish(quiet, size: 100 * 1024);
        var quietBytes = quiet.Bytes;
        for (var i = 0; i < 200; i++)
        {
            kit.Publish(size: 64 * 1024);
        }

        // The flooding subject paid for the overflow; the quiet subject's history is untouched.
        Assert.Equal(quietBytes, quiet.Bytes);
        Assert.Equal(0UL, quiet.EvictedThrough);
        Assert.InRange(kit.Budget.Bytes, 1, (2L << 20) + (256 * 1024));
    }

    [Fact]
    public void Append_RingStartsSmallAndGrowsOnDemand()
    {
        using var kit = new SessionTestKit(capacity: 1024);
        for (var i = 0; i < 300; i++)
        {
            kit.Publish();
        }

        var batch = new List<EventEntry>();
        Assert.Equal(TopicRead.Events, kit.Topic.Read(new Cursor("e1", 0), 1000, batch));
        Assert.Equal(300, batch.Count);
        Assert.Equal(Enumerable.Range(1, 300).Select(i => (ulong)i), batch.Select(e => e.Sequence));
    }

    [Fact]
    public void Read_NothingNew_ParksWaiterOnceAndNextAppendWakesItOnce()
    {
        using var kit = new SessionTestKit();
        var waiter = new Waiter();
        var batch = new List<EventEntry>();
        Assert.Equal(TopicRead.Empty, kit.Topic.Read(kit.Topic.Head, 10, batch, waiter));
        Assert.Equal(TopicRead.Empty, kit.Topic.Read(kit.Topic.Head, 10, batch, waiter));
        Assert.Equal(1, kit.Topic.Waiting);

        kit.Publish();
        kit.Publish();
        Assert.Equal(1, waiter.Wakes);
        Assert.Equal(0, kit.Topic.Waiting);
    }

    [Fact]
    public void Unpark_EndedSessions_LeaveNoWaiterBehind()
    {
        using var kit = new SessionTestKit();
        var waiters = Enumerable.Range(0, 100).Select(_ => new Waiter()).ToList();
        foreach (var w in waiters)
        {
            kit.Topic.Read(kit.Topic.Head, 10, [], w);
        }

        foreach (var w in waiters.Where((_, i) => i % 2 == 0))
        {
            kit.Topic.Unpark(w);
        }

        Assert.Equal(50, kit.Topic.Waiting);
        kit.Publish();
        Assert.All(waiters, (w, i) => Assert.Equal(i % 2 == 0 ? 0 : 1, w.Wakes));
    }

    [Fact]
    public void Append_CrowdAboveOneChunk_WakesEveryWaiterExactlyOnce()
    {
        using var kit = new SessionTestKit();
        var waiters = Enumerable.Range(0, 1000).Select(_ => new CountingWaiter()).ToList();
        foreach (var w in waiters)
        {
            kit.Topic.Read(kit.Topic.Head, 10, [], w);
        }

        kit.Publish();
        Assert.True(SpinWait.SpinUntil(() => waiters.All(w => w.Wakes == 1), TimeSpan.FromSeconds(10)));
        Assert.All(waiters, w => Assert.Equal(1, w.Wakes));
    }

    [Fact]
    public void Append_Gap_OldEpochCursorsAreReset()
    {
        using var kit = new SessionTestKit();
        kit.Publish();
        kit.Topic.Append(new FeedGap("e2", 100));
        Assert.Equal(TopicRead.Reset, kit.Topic.Read(new Cursor("e1", 1), 10, []));
        Assert.Equal(new Cursor("e2", 100), kit.Topic.Head);
        Assert.Equal(0, kit.Topic.Bytes);
    }

    private sealed class CountingWaiter : ITopicWaiter
    {
        private int _wakes;

        public int WaiterSlot { get; set; } = -1;

        public int Wakes => Volatile.Read(ref _wakes);

        public void Wake(bool inline) => Interlocked.Increment(ref _wakes);
    }
}
