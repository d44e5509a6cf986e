using Gateway.Broker;
using Gateway.Routing;
using Yarp.ReverseProxy;

namespace Gateway.Watch;

/// <summary>
/// Which watched resources have subscribers on this instance. The first subscriber starts a watcher (which polls only
/// while it holds the resource's lease); the watcher lingers a few intervals after the last one leaves, so a crowd of
/// short pollers keeps one steady watch instead of churning. A resource the backend calls gone (404, 410) is not polled
/// again for <see cref="AbsenceTime"/> (docs/scale-out.md).
/// </summary>
internal sealed class WatchRegistry(
    IWatchLease lease,
    IWatchBaselines baselines,
    IEventBroker broker,
    IProxyStateLookup proxy,
    IHttpClientFactory httpFactory,
    Observability.GatewayMetrics metrics,
    TimeProvider time,
    ILoggerFactory loggers) : IAsyncDisposable
{
    public const string HttpClientName = "gateway-watch";

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _watches = new(StringComparer.Ordinal);
    private readonly ILogger _logger = loggers.CreateLogger<ResourceWatcher>();

    /// <summary>How long a resource that answered 404 or 410 stays unpolled: ten intervals, at least 30 s.</summary>
    public static TimeSpan AbsenceTime(TimeSpan interval) => TimeSpan.FromTicks(Math.Max(interval.Ticks * 10, TimeSpan.FromSeconds(30).Ticks));

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _watches.Count;
            }
        }
    }

    /// <summary>Registers interest in the route's watched resource for these route values; dispose to release.</summary>
    public IDisposable? Acquire(PushRoute route, string subject, Func<string, string?> routeValues)
    {
        if (route.WatchPath is null || !TryFillPath(route.WatchPath, routeValues, out var path))
        {
            return null;
        }

        lock (_lock)
        {
            if (!_watches.TryGetValue(subject, out var entry))
            {
                var watcher = new ResourceWatcher(new WatchedResource(route.RouteId, route.ClusterId, subject, path, route.WatchInterval),
                    lease, baselines, broker, proxy, httpFactory.CreateClient(HttpClientName), metrics, time, _logger);
                entry = new Entry(watcher);
                _watches[subject] = entry;
                Start(entry);
            }

            entry.References++;
            return new Release(this, subject);
        }
    }

    /// <summary>Whether the watcher of a subject runs now (false while a gone resource is left alone). For tests.</summary>
    public bool IsPolling(string subject)
    {
        lock (_lock)
        {
            return _watches.TryGetValue(subject, out var entry) && !entry.Task.IsCompleted;
        }
    }

    /// <summary>
    /// Stops watchers nobody has used for three intervals, and restarts the watcher of a gone resource that still has
    /// subscribers once its absence time is over. Called by the watch sweeper.
    /// </summary>
    public void Sweep()
    {
        List<Entry>? stop = null;
        lock (_lock)
        {
            foreach (var (subject, entry) in _watches.ToList())
            {
                var interval = entry.Watcher.Resource.Interval;
                if (entry.References == 0 && time.GetElapsedTime(entry.ReleasedAt) > interval * 3 &&
                    (entry.GoneAt == 0 || time.GetElapsedTime(entry.GoneAt) > AbsenceTime(interval)))
                {
                    _watches.Remove(subject);
                    (stop ??= []).Add(entry);
                }
                else if (entry.References > 0 && entry.GoneAt != 0 && entry.Task.IsCompleted && time.GetElapsedTime(entry.GoneAt) > AbsenceTime(interval))
                {
                    Start(entry);
                }
            }
        }

        foreach (var entry in stop ?? [])
        {
            entry.Stop.Cancel();
        }

        (baselines as LocalWatchBaselines)?.Prune();
    }

    public async ValueTask DisposeAsync()
    {
        List<Entry> all;
        lock (_lock)
        {
            all = [.. _watches.Values];
            _watches.Clear();
        }

        foreach (var entry in all)
        {
            await entry.Stop.CancelAsync();
            await entry.Task;
            entry.Stop.Dispose();
        }
    }

    /// <summary>Fills <c>/items/{id}</c> from route values; each value must pass the same token check as subjects.</summary>
    internal static bool TryFillPath(string template, Func<string, string?> values, out string path)
    {
        var result = new System.Text.StringBuilder(template.Length + 16);
        var i = 0;
        while (i < template.Length)
        {
            var open = template.IndexOf('{', i);
            if (open < 0)
            {
                result.Append(template, i, template.Length - i);
                break;
            }

            var close = template.IndexOf('}', open);
            result.Append(template, i, open - i);
            var value = values(template[(open + 1)..close]);
            if (!SubjectTemplate.IsValidValue(value))
            {
                path = string.Empty;
                return false;
            }

            result.Append(value);
            i = close + 1;
        }

        path = result.ToString();
        return true;
    }

    /// <summary>Runs the watcher; when it ends because the resource is gone, the entry remembers when (under the lock).</summary>
    private void Start(Entry entry)
    {
        entry.GoneAt = 0;
        entry.Task = RunAsync(entry);
    }

    private async Task RunAsync(Entry entry)
    {
        await Task.Yield();
        if (await entry.Watcher.RunAsync(entry.Stop.Token) == WatchEnd.Gone)
        {
            lock (_lock)
            {
                entry.GoneAt = time.GetTimestamp();
            }
        }
    }

    private void Unref(string subject)
    {
        lock (_lock)
        {
            if (_watches.TryGetValue(subject, out var entry))
            {
                entry.References--;
                entry.ReleasedAt = time.GetTimestamp();
            }
        }
    }

    private sealed class Entry(ResourceWatcher watcher)
    {
        public ResourceWatcher Watcher { get; } = watcher;

        public CancellationTokenSource Stop { get; } = new();

        public Task Task { get; set; } = Task.CompletedTask;

        public int References { get; set; }

        public long ReleasedAt { get; set; }

        /// <summary>When the backend said the resource is gone (a timestamp; 0 = not gone).</summary>
        public long GoneAt { get; set; }
    }

    private sealed class Release(WatchRegistry registry, string subject) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                registry.Unref(subject);
            }
        }
    }
}
