using System.Diagnostics;
using Gateway.Lifecycle;
using Gateway.Sessions;
using Gateway.Sessions.Tests;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Lifecycle.Tests;

/// <summary>
/// Drain pacing on a fake clock (docs/scale-out.md, "Draining"): held long polls are answered at once, streaming
/// sessions are asked to reconnect on an even ramp over the window (never faster, so the other instances see a ramp,
/// not a spike), a session that arrives during the drain is closed at the next tick, and whatever is still open after
/// the grace is aborted.
/// </summary>
public sealed class DrainCoordinatorTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan RealTimeLimit = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Streams_FollowAnEvenRampOverTheWindow_LongPollsGoAtOnce_LateArrivalsAtTheNextTick_TheRestAbortedAfterTheGrace()
    {
        const int streams = 150;
        using var kit = new SessionTestKit();
        var registry = new SessionRegistry(kit.Metrics, kit.Time);
        var streamWriters = Enumerable.Range(0, streams).Select(_ => Register(kit, registry, SessionMode.Stream)).ToList();
        var pollWriters = Enumerable.Range(0, 10).Select(_ => Register(kit, registry, SessionMode.LongPoll)).ToList();
        var sessions = registry.Sessions.ToList();
        var drain = new DrainCoordinator(registry, Options.Create(new DrainOptions { Window = Window, Grace = Grace }), kit.Metrics, kit.Time, NullLogger<DrainCoordinator>.Instance);

        var done = drain.DrainAsync();
        Assert.True(drain.IsDraining);
        await WaitForAsync(() => sessions.Where(s => s.Mode == SessionMode.LongPoll).All(s => s.RequestedClose == CloseReason.Draining), "every held long poll is answered at once");

        PushSession? late = null;
        var elapsed = TimeSpan.Zero;
        while (elapsed < Window)
        {
            var requested = Requested(sessions);
            Assert.True(requested <= Ramp(streams, elapsed), $"at {elapsed.TotalSeconds:F1} s {requested} streams were asked to go; the ramp allows {Ramp(streams, elapsed)}");

            // The loop may wake a tick late (its timer is set after our step), never more.
            await WaitForAsync(() => Requested(sessions) >= Ramp(streams, elapsed - Tick), $"at {elapsed.TotalSeconds:F1} s the ramp has reached {Ramp(streams, elapsed - Tick)}");
            if (elapsed == TimeSpan.FromSeconds(3))
            {
                Register(kit, registry, SessionMode.Stream);
                late = registry.Sessions.Single(s => !sessions.Contains(s));
            }

            if (elapsed == TimeSpan.FromSeconds(3.3))
            {
                // The coordinator's pass at 3.1 or 3.2 s (the clock has not moved past 3.3 s yet) asked it to go.
                await WaitForAsync(() => late!.RequestedClose == CloseReason.Draining, "a session that arrived during the drain is asked to go at the next tick");
            }

            kit.Time.Advance(Tick);
            elapsed += Tick;
        }

        await WaitForAsync(() => Requested(sessions) == streams, "after the window every stream has been asked to go");
        Assert.All(streamWriters.Concat(pollWriters), w => Assert.False(w.Aborted));

        // None of them leaves (the sessions are not running): after the grace they are cut.
        for (var t = TimeSpan.Zero; t <= Grace + Tick + Tick && !done.IsCompleted; t += Tick)
        {
            Assert.All(streamWriters, w => Assert.False(w.Aborted));
            kit.Time.Advance(Tick);
            await Task.Yield();
        }

        await done.WaitAsync(RealTimeLimit);
        Assert.All(streamWriters.Concat(pollWriters), w => Assert.True(w.Aborted));
    }

    /// <summary>The ramp as the coordinator computes it: streams due by the end of the tick that starts at <paramref name="elapsed"/>.</summary>
    private static int Ramp(int total, TimeSpan elapsed) =>
        elapsed < TimeSpan.Zero ? 0 : (int)Math.Ceiling(total * Math.Min(1, (elapsed + Tick) / Window));

    private static int Requested(List<PushSession> sessions) => sessions.Count(s => s.Mode == SessionMode.Stream && s.RequestedClose is not null);

    private static RecordingWriter Register(SessionTestKit kit, SessionRegistry registry, SessionMode mode)
    {
        var writer = new RecordingWriter(mode == SessionMode.Stream ? Routing.TransportKind.Sse : Routing.TransportKind.LongPolling);
        registry.Register(kit.Session(writer, mode));
        return writer;
    }

    private static async Task WaitForAsync(Func<bool> condition, string because)
    {
        var waited = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(waited.Elapsed < RealTimeLimit, because);
            await Task.Delay(5);
        }
    }
}
