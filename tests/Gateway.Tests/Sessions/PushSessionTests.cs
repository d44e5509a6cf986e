using Gateway.Routing;

namespace Gateway.Sessions.Tests;

public class PushSessionTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    // Production has no synchronization context; xunit's would queue every continuation behind the test.
    private static Task<CloseReason> Start(PushSession session) => Task.Run(session.RunAsync);

    private static void Until(Func<bool> condition) => Assert.True(SpinWait.SpinUntil(condition, Bound), "condition not met in time");

    [Fact]
    public async Task Stream_EventsAppendedWhileWaiting_DeliveredInOrder()
    {
        using var kit = new SessionTestKit();
        using var ended = new CancellationTokenSource();
        var writer = new RecordingWriter();
        var run = Start(kit.Session(writer, ended: ended.Token));

        kit.Publish();
        kit.Publish();
        kit.Publish();
        Until(() => writer.Sequences.Count == 3);
        Assert.Equal([1UL, 2UL, 3UL], writer.Sequences);

        await ended.CancelAsync();
        Assert.Equal(CloseReason.ClientClosed, await run.WaitAsync(Bound));
        Assert.Equal(0, kit.Topic.Waiting);
    }

    [Fact]
    public async Task Stream_PublisherRacingTheSession_EveryEventOnceInOrder()
    {
        using var kit = new SessionTestKit(capacity: 100_000, maxBytes: 64L << 20);
        using var ended = new CancellationTokenSource();
        var writer = new RecordingWriter { Yield = true };
        var session = kit.Session(writer, ended: ended.Token);
        var run = Start(session);

        // The session writes asynchronously while the publisher appends: reads, parks and wakes interleave for real.
        var publisher = Task.Run(() =>
        {
            // Nothing else wakes the session: a wake-up lost between its park and its wait leaves it deaf for good.
            for (var i = 0; i < 20_000; i++)
            {
                // Paced so the session keeps catching up and parking: the park/wake race runs thousands of times.
                kit.Publish();
                Thread.SpinWait(20);
            }
        });
        await publisher.WaitAsync(Bound);
        Until(() => writer.Sequences.Count >= 20_000);

        Assert.Equal(Enumerable.Range(1, 20_000).Select(i => (ulong)i), writer.Sequences);
        await ended.CancelAsync();
        await run.WaitAsync(Bound);
    }

    [Fact]
    public async Task Stream_QuietForTheHeartbeatInterval_WritesOneHeartbeat()
    {
        using var kit = new SessionTestKit();
        using var ended = new CancellationTokenSource();
        var writer = new RecordingWriter();
        var run = Start(kit.Session(writer, route: SessionTestKit.Route(heartbeat: TimeSpan.FromSeconds(15)), ended: ended.Token));
        Until(() => kit.Topic.Waiting == 1);

        kit.Time.Advance(TimeSpan.FromSeconds(14));
        Assert.Equal(0, writer.Count("heartbeat"));

        kit.Time.Advance(TimeSpan.FromSeconds(1.25));
        Until(() => writer.Count("heartbeat") == 1);

        kit.Time.Advance(TimeSpan.FromSeconds(15.25));
        Until(() => writer.Count("heartbeat") == 2);

        await ended.CancelAsync();
        await run.WaitAsync(Bound);
    }

    [Fact]
    public async Task Stream_EventsMoreOftenThanTheHeartbeat_NoHeartbeat()
    {
        using var kit = new SessionTestKit();
        using var ended = new CancellationTokenSource();
        var writer = new RecordingWriter();
        var run = Start(kit.Session(writer, route: SessionTestKit.Route(heartbeat: TimeSpan.FromSeconds(15)), ended: ended.Token));
        Until(() => kit.Topic.Waiting == 1);

        for (var i = 0; i < 12; i++)
        {
            kit.Time.Advance(TimeSpan.FromSeconds(5));
            kit.Publish();
            Until(() => writer.Sequences.Count == i + 1);
        }

        Assert.True(writer.Count("heartbeat") == 0, string.Join(",", writer.Log));
        await ended.CancelAsync();
        await run.WaitAsync(Bound);
    }

    [Fact]
    public async Task LongPoll_NoEventsBeforeTheWait_AnswersAnEmptyBatchAfterIt()
    {
        using var kit = new SessionTestKit();
        var writer = new RecordingWriter(TransportKind.LongPolling);
        var run = Start(kit.Session(writer, SessionMode.LongPoll, wait: TimeSpan.FromSeconds(10)));
        Until(() => kit.Topic.Waiting == 1);

        kit.Time.Advance(TimeSpan.FromSeconds(9.5));
        Assert.False(run.IsCompleted);

        kit.Time.Advance(TimeSpan.FromSeconds(0.75));
        Assert.Equal(CloseReason.Completed, await run.WaitAsync(Bound));
        Assert.Equal(["events:0:e1-0"], writer.Log);
        Assert.Equal(0, kit.Topic.Waiting);
    }

    [Fact]
    public async Task LongPoll_EventDuringTheWait_AnsweredAtOnce()
    {
        using var kit = new SessionTestKit();
        var writer = new RecordingWriter(TransportKind.LongPolling);
        var run = Start(kit.Session(writer, SessionMode.LongPoll, wait: TimeSpan.FromSeconds(30)));
        Until(() => kit.Topic.Waiting == 1);
        Assert.False(run.IsCompleted);

        kit.Publish();
        Assert.Equal(CloseReason.Completed, await run.WaitAsync(Bound));
        Assert.Equal(["events:1:e1-1"], writer.Log);
    }

    [Fact]
    public async Task Poll_MoreThanTheBatchCapBehind_Answers500_TheCursorBringsTheRest()
    {
        using var kit = new SessionTestKit();
        var start = kit.Topic.Head;
        for (var i = 0; i < 600; i++)
        {
            kit.Publish();
        }

        var first = new RecordingWriter(TransportKind.Polling);
        Assert.Equal(CloseReason.Completed, await Start(kit.Session(first, SessionMode.Poll, cursor: start)).WaitAsync(Bound));
        Assert.Equal(["events:500:e1-500"], first.Log);

        var second = new RecordingWriter(TransportKind.Polling);
        Assert.Equal(CloseReason.Completed, await Start(kit.Session(second, SessionMode.Poll, cursor: new Cursor("e1", 500))).WaitAsync(Bound));
        Assert.Equal(["events:100:e1-600"], second.Log);
    }

    [Fact]
    public async Task Poll_NothingNew_AnswersAtOnceWithoutParking()
    {
        using var kit = new SessionTestKit();
        var writer = new RecordingWriter(TransportKind.Polling);
        Assert.Equal(CloseReason.Completed, await Start(kit.Session(writer, SessionMode.Poll)).WaitAsync(Bound));
        Assert.Equal(["events:0:e1-0"], writer.Log);
        Assert.Equal(0, kit.Topic.Waiting);
    }

    [Fact]
    public async Task RequestClose_WhileWaiting_WritesTheCloseAndEndsWithItsReason()
    {
        using var kit = new SessionTestKit();
        var writer = new RecordingWriter();
        var session = kit.Session(writer);
        var run = Start(session);

        session.RequestClose(CloseReason.Draining, TimeSpan.FromSeconds(1));
        Assert.Equal(CloseReason.Draining, await run.WaitAsync(Bound));
        Assert.Equal(["close:Draining"], writer.Log);
        Assert.Equal(0, kit.Topic.Waiting);
    }

    [Fact]
    public async Task Resume_CursorBehindTheHead_CatchesUpThenFollows()
    {
        using var kit = new SessionTestKit();
        for (var i = 0; i < 5; i++)
        {
            kit.Publish();
        }

        using var ended = new CancellationTokenSource();
        var writer = new RecordingWriter();
        var run = Start(kit.Session(writer, cursor: new Cursor("e1", 2), ended: ended.Token));
        kit.Publish();
        Until(() => writer.Sequences.Count == 4);
        Assert.Equal([3UL, 4UL, 5UL, 6UL], writer.Sequences);
        await ended.CancelAsync();
        await run.WaitAsync(Bound);
    }

    [Fact]
    public async Task Resume_CursorOfAnotherEpoch_ResetsToTheHead()
    {
        using var kit = new SessionTestKit();
        kit.Publish();
        using var ended = new CancellationTokenSource();
        var writer = new RecordingWriter();
        var run = Start(kit.Session(writer, cursor: new Cursor("old", 7), ended: ended.Token));
        Until(() => writer.Log.Count == 1);
        Assert.Equal(["reset:e1-1"], writer.Log);
        await ended.CancelAsync();
        await run.WaitAsync(Bound);
    }

    [Fact]
    public async Task Abort_CutsTheWireAndEndsWithTheReason()
    {
        using var kit = new SessionTestKit();
        using var ended = new CancellationTokenSource();
        var writer = new RecordingWriter();
        var session = kit.Session(writer, ended: ended.Token);
        var run = Start(session);

        session.Abort(CloseReason.SlowConsumer);
        Assert.True(writer.Aborted);

        // The wire's abort ends its request, which is the session's end signal.
        await ended.CancelAsync();
        Assert.Equal(CloseReason.SlowConsumer, await run.WaitAsync(Bound));
    }
}
