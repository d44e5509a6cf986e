using Microsoft.Extensions.Time.Testing;

namespace Gateway.Sessions.Tests;

public class TimerWheelTests
{
    private sealed class Target : IWheelTarget
    {
        public List<int> Fired { get; } = [];

        public void OnTimer(int cookie)
        {
            lock (Fired)
            {
                Fired.Add(cookie);
            }
        }
    }

    [Fact]
    public void Schedule_DueInOneSecond_FiresAfterItNeverBefore()
    {
        var time = new FakeTimeProvider();
        using var wheel = new TimerWheel(time, TimeSpan.FromMilliseconds(250));
        var target = new Target();
        wheel.Schedule(target, TimeSpan.FromSeconds(1), 7);

        time.Advance(TimeSpan.FromMilliseconds(750));
        Assert.Empty(target.Fired);

        time.Advance(TimeSpan.FromMilliseconds(250));
        Assert.Equal([7], target.Fired);
        Assert.Equal(0, wheel.Count);
    }

    [Fact]
    public void Schedule_BeyondOneTurnOfTheWheel_FiresInItsOwnRoundNotAnEarlierOne()
    {
        var time = new FakeTimeProvider();
        using var wheel = new TimerWheel(time, TimeSpan.FromMilliseconds(100));
        var target = new Target();

        // 512 slots of 100 ms: 60 s is more than one turn (51.2 s) and shares a bucket with 8.8 s.
        wheel.Schedule(target, TimeSpan.FromSeconds(60), 1);
        wheel.Schedule(target, TimeSpan.FromSeconds(8.8), 2);

        time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal([2], target.Fired);

        time.Advance(TimeSpan.FromSeconds(50));
        Assert.Equal([2], target.Fired);

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal([2, 1], target.Fired);
    }

    [Fact]
    public void Schedule_ManyTargets_EachFiresExactlyOnce()
    {
        var time = new FakeTimeProvider();
        using var wheel = new TimerWheel(time, TimeSpan.FromMilliseconds(250));
        var target = new Target();
        for (var i = 0; i < 10_000; i++)
        {
            wheel.Schedule(target, TimeSpan.FromMilliseconds(i % 3000), i);
        }

        for (var s = 0; s < 16; s++)
        {
            time.Advance(TimeSpan.FromMilliseconds(250));
        }

        Assert.Equal(10_000, target.Fired.Count);
        Assert.Equal(10_000, target.Fired.Distinct().Count());
        Assert.Equal(0, wheel.Count);
    }
}
