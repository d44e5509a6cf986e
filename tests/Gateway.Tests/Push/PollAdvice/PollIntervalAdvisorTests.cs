using Gateway.Push.PollAdvice;
using Gateway.Routing;
using Gateway.Sessions.Tests;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Push.PollAdvice.Tests;

/// <summary>The advisor's maths on a fake clock: rate window, bounds, load, jitter and the table's cap.</summary>
public sealed class PollIntervalAdvisorTests
{
    private static readonly PollBounds Bounds = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly FakeLoad _load = new();
    private readonly PushOptions _options = new() { PollRateWindow = TimeSpan.FromSeconds(30), PollRateMaxSubjects = 3 };
    private readonly PollIntervalAdvisor _advisor;

    public PollIntervalAdvisorTests()
    {
        _advisor = new PollIntervalAdvisor(_load, _time, new StaticOptionsMonitor(_options), new Observability.GatewayMetrics(), new Random(7));
    }

    [Fact]
    public void RecordEvents_SteadyRateSampledRarely_ReadsThatRateFromTheSecondLook()
    {
        Assert.Equal(0, _advisor.RecordEvents("s", 100)); // a first look is only a baseline
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(5, _advisor.RecordEvents("s", 110), 3); // 10 events in 2 s, warm-up corrected

        // Sampled every 7 s at 5 events/s for two minutes: still 5/s (events spread over each gap, not lumped at the look).
        long total = 110;
        for (var i = 0; i < 17; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(7));
            total += 35;
            Assert.Equal(5, _advisor.RecordEvents("s", total), 3);
        }
    }

    [Fact]
    public void RecordEvents_SubjectGoesQuiet_RateDecaysWithTheWindow()
    {
        _advisor.RecordEvents("s", 0);
        long total = 0;
        for (var i = 0; i < 60; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            total += 10;
            _advisor.RecordEvents("s", total);
        }

        _time.Advance(TimeSpan.FromSeconds(30));
        var afterOneWindow = _advisor.RecordEvents("s", total);
        _time.Advance(TimeSpan.FromSeconds(60));
        var afterThree = _advisor.RecordEvents("s", total);

        // e^-1 and e^-3 of the busy rate (within the warm-up correction's small effect after 60 s).
        Assert.InRange(afterOneWindow, 10 * 0.33, 10 * 0.45);
        Assert.InRange(afterThree, 10 * 0.04, 10 * 0.07);
    }

    [Fact]
    public void RecordEvents_TopicRecreatedWithALowerCount_IsANewBaselineNotANegativeRate()
    {
        _advisor.RecordEvents("s", 1000);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, _advisor.RecordEvents("s", 3));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.InRange(_advisor.RecordEvents("s", 13), 4.9, 5.2); // 10 events in the 2 s since the first look
    }

    [Theory]
    [InlineData(0.0, 30.0)]     // quiet: the maximum
    [InlineData(0.1, 10.0)]     // one event every 10 s: poll every 10 s
    [InlineData(0.5, 2.0)]
    [InlineData(5.0, 1.0)]      // busier than the minimum allows: the minimum
    [InlineData(0.01, 30.0)]    // quieter than the maximum allows: the maximum
    public void Interval_FollowsOneOverRateWithinTheBounds(double rate, double seconds)
    {
        // draw 0.5 is the middle of the jitter band (cut to the bounds at the edges).
        var middle = PollIntervalAdvisor.Interval(Bounds, rate, load: 0, draw: 0.5).TotalSeconds;
        var low = Math.Max(1, seconds * 0.8);
        var high = Math.Min(30, seconds * 1.2);
        Assert.Equal((low + high) / 2, middle, 6);
    }

    [Fact]
    public void Interval_Jitter_SpreadsWithinTwentyPercentAndNeverLeavesTheBounds()
    {
        foreach (var rate in new[] { 0.0, 0.05, 0.2, 1, 100 })
        {
            var lowest = PollIntervalAdvisor.Interval(Bounds, rate, 0, 0).TotalSeconds;
            var highest = PollIntervalAdvisor.Interval(Bounds, rate, 0, 0.999999).TotalSeconds;
            Assert.InRange(lowest, 1, 30);
            Assert.InRange(highest, 1, 30);
            Assert.True(highest - lowest > 0.15, $"rate {rate}: no spread ({lowest}..{highest})");
            var nominal = rate > 0 ? Math.Clamp(1 / rate, 1, 30) : 30;
            Assert.True(lowest >= (nominal * 0.8) - 1e-9 && highest <= (nominal * 1.2) + 1e-6, $"rate {rate}: {lowest}..{highest} around {nominal}");
        }
    }

    [Theory]
    [InlineData(0.0, 2.0)]
    [InlineData(0.5, 2.0)]      // up to half load nothing changes
    [InlineData(0.75, 16.0)]    // halfway from 2 s to 30 s
    [InlineData(1.0, 30.0)]     // saturated: the maximum, even for a busy subject
    public void Interval_Load_PushesTowardTheMaximum(double load, double nominal)
    {
        var middle = PollIntervalAdvisor.Interval(Bounds, 0.5, load, 0.5).TotalSeconds;
        Assert.Equal((Math.Max(1, nominal * 0.8) + Math.Min(30, nominal * 1.2)) / 2, middle, 6);
    }

    [Fact]
    public void Advise_RouteWithoutBounds_KeepsTheFixedInterval()
    {
        var route = SessionTestKit.Route();
        Assert.Equal(route.PollInterval, _advisor.Advise(route, "s", 0));
        Assert.Equal(0, _advisor.Count);
    }

    [Fact]
    public void Advise_BusyAndQuietSubjects_BusyGetsShorterHints_AllWithinBoundsAndNotAllEqual()
    {
        var route = SessionTestKit.Route() with { AdaptivePoll = Bounds };
        long busy = 0;
        var busyHints = new List<TimeSpan>();
        var quietHints = new List<TimeSpan>();
        for (var i = 0; i < 40; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(500));
            busy += 5;
            busyHints.Add(_advisor.Advise(route, "busy", busy));
            quietHints.Add(_advisor.Advise(route, "quiet", 0));
        }

        busyHints.RemoveRange(0, 2);
        Assert.All(busyHints.Concat(quietHints), h => Assert.InRange(h, Bounds.Min, Bounds.Max));
        Assert.True(busyHints.Max() < quietHints.Min(), $"busy up to {busyHints.Max()}, quiet from {quietHints.Min()}");
        Assert.True(busyHints.Distinct().Count() > 10 && quietHints.Distinct().Count() > 10, "hints are not jittered");
    }

    [Fact]
    public void Advise_LoadedInstance_HintsMoveToTheMaximum()
    {
        var route = SessionTestKit.Route() with { AdaptivePoll = Bounds };
        _advisor.Advise(route, "busy", 0);
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.True(_advisor.Advise(route, "busy", 100) <= TimeSpan.FromSeconds(1.2));

        _load.Current = 1;
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(_advisor.Advise(route, "busy", 120) >= TimeSpan.FromSeconds(24));
    }

    [Fact]
    public void RecordEvents_TableFull_NewSubjectsAreNotTrackedUntilStaleOnesAreSwept()
    {
        for (var i = 0; i < 3; i++)
        {
            _advisor.RecordEvents("s" + i, 0);
        }

        _time.Advance(TimeSpan.FromSeconds(2));
        for (var i = 0; i < 100; i++)
        {
            _advisor.RecordEvents("flood" + i, 0);
        }

        Assert.Equal(3, _advisor.Count);

        // Four windows without a look: the old subjects are stale and make room.
        _time.Advance(TimeSpan.FromMinutes(2));
        _advisor.RecordEvents("new", 0);
        Assert.Equal(1, _advisor.Count);
    }

    private sealed class FakeLoad : IInstanceLoad
    {
        public double Current { get; set; }
    }

    private sealed class StaticOptionsMonitor(PushOptions value) : IOptionsMonitor<PushOptions>
    {
        public PushOptions CurrentValue => value;

        public PushOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<PushOptions, string?> listener) => null;
    }
}
