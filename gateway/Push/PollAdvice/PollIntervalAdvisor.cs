using Gateway.Routing;
using Microsoft.Extensions.Options;

namespace Gateway.Push.PollAdvice;

/// <summary>
/// The short-poll interval hint (<c>X-Poll-Interval</c>, negotiate's <c>pollIntervalMs</c>) of routes with
/// <c>Push.PollIntervalMin</c>/<c>Push.PollIntervalMax</c>: about one poll per event of the subject (1 / its recent event
/// rate) within the route's bounds, pushed toward the maximum as the instance gets loaded, and jittered ±20% inside the
/// bounds so that pollers told together do not return together. Routes without bounds keep their fixed
/// <c>Push.PollInterval</c>. See docs/polling.md.
/// </summary>
internal sealed class PollIntervalAdvisor
{
    /// <summary>Load below this leaves the hint alone; from it to full load the hint moves linearly to the maximum.</summary>
    internal const double LoadOnset = 0.5;

    internal const double Jitter = 0.2;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, SubjectRate> _subjects = new(StringComparer.Ordinal);
    private readonly IInstanceLoad _load;
    private readonly TimeProvider _time;
    private readonly IOptionsMonitor<PushOptions> _options;
    private readonly Observability.GatewayMetrics _metrics;
    private readonly Random _random;
    private long _lastSweep;

    public PollIntervalAdvisor(IInstanceLoad load, TimeProvider time, IOptionsMonitor<PushOptions> options, Observability.GatewayMetrics metrics)
        : this(load, time, options, metrics, Random.Shared)
    {
    }

    internal PollIntervalAdvisor(IInstanceLoad load, TimeProvider time, IOptionsMonitor<PushOptions> options, Observability.GatewayMetrics metrics, Random random)
    {
        _load = load;
        _time = time;
        _options = options;
        _metrics = metrics;
        _random = random;
        _lastSweep = time.GetTimestamp();
    }

    /// <summary>Subjects whose rate is tracked now.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _subjects.Count;
            }
        }
    }

    /// <summary>
    /// The hint for a poll or negotiation on <paramref name="route"/>'s <paramref name="subject"/>, whose topic has seen
    /// <paramref name="eventsSoFar"/> events (its running count, so looking costs the topic nothing).
    /// </summary>
    public TimeSpan Advise(PushRoute route, string subject, long eventsSoFar)
    {
        if (route.AdaptivePoll is not { } bounds)
        {
            return route.PollInterval;
        }

        var rate = RecordEvents(subject, eventsSoFar);
        var interval = Interval(bounds, rate, _load.Current, _random.NextDouble());
        _metrics.PollIntervals.WithLabels(route.RouteId).Observe(interval.TotalSeconds);
        return interval;
    }

    /// <summary>Feeds the subject's running event count; returns its rate in events per second (0 when untracked or new).</summary>
    public double RecordEvents(string subject, long eventsSoFar)
    {
        var now = _time.GetTimestamp();
        var options = _options.CurrentValue;
        lock (_lock)
        {
            if (_subjects.TryGetValue(subject, out var rate))
            {
                return rate.Observe(eventsSoFar, now, options.PollRateWindow.TotalSeconds, _time.TimestampFrequency);
            }

            if (_subjects.Count >= options.PollRateMaxSubjects && !Sweep(now, options))
            {
                // Full of live subjects: this one is advised as quiet rather than growing the table.
                _metrics.PollRateUntracked.Inc();
                return 0;
            }

            _subjects[subject] = new SubjectRate(eventsSoFar, now);
            _metrics.PollRateSubjects.Set(_subjects.Count);
            return 0;
        }
    }

    /// <summary>
    /// The maths, pure: 1 / rate clamped to the bounds, moved toward the maximum by load above <see cref="LoadOnset"/>,
    /// then drawn uniformly from ±20% of it, cut to the bounds (<paramref name="draw"/> in [0, 1)).
    /// </summary>
    internal static TimeSpan Interval(PollBounds bounds, double eventsPerSecond, double load, double draw)
    {
        var min = bounds.Min.TotalSeconds;
        var max = bounds.Max.TotalSeconds;
        var seconds = eventsPerSecond > 0 ? Math.Clamp(1 / eventsPerSecond, min, max) : max;
        var pressure = Math.Clamp((load - LoadOnset) / (1 - LoadOnset), 0, 1);
        seconds += (max - seconds) * pressure;
        var low = Math.Max(min, seconds * (1 - Jitter));
        var high = Math.Min(max, seconds * (1 + Jitter));
        return TimeSpan.FromSeconds(low + ((high - low) * draw));
    }

    /// <summary>
    /// Drops subjects nobody looked at for four windows (their rate has decayed below 2% anyway), at most once a second
    /// so a flood of new subjects on a full table costs one scan per second, not one per request. True when room was made.
    /// </summary>
    private bool Sweep(long now, PushOptions options)
    {
        if (_time.GetElapsedTime(_lastSweep, now) < TimeSpan.FromSeconds(1))
        {
            return false;
        }

        _lastSweep = now;
        var stale = options.PollRateWindow * 4;
        List<string>? gone = null;
        foreach (var (subject, rate) in _subjects)
        {
            if (_time.GetElapsedTime(rate.LastSeen, now) >= stale)
            {
                (gone ??= []).Add(subject);
            }
        }

        if (gone is not null)
        {
            foreach (var subject in gone)
            {
                _subjects.Remove(subject);
            }
        }

        _metrics.PollRateSubjects.Set(_subjects.Count);
        return _subjects.Count < options.PollRateMaxSubjects;
    }
}
