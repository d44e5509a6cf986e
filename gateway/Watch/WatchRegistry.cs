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

    private readonly Utilities.SharedTable<Entry> _table = new(time);
    private readonly ILogger _logger = loggers.CreateLogger<ResourceWatcher>();

    /// <summary>How long a resource that answered 404 or 410 stays unpolled: ten intervals, at least 30 s.</summary>
    public static TimeSpan AbsenceTime(TimeSpan interval) => TimeSpan.FromTicks(Math.Max(interval.Ticks * 10, TimeSpan.FromSeconds(30).Ticks));

    public int Count => _table.Count;

    /// <summary>Registers interest in the route's watched resource for these route values; dispose to release.</summary>
    public IDisposable? Acquire(PushRoute route, string subject, Func<string, string?> routeValues)
    {
        if (route.WatchPath is null || !TryFillPath(route.WatchPath, routeValues, out var path))
        {
            return null;
        }

        var entry = _table.Acquire(subject, (Registry: this, Route: route, Path: path), static (subject, _, state) => state.Registry.StartWatching(subject, state.Route, state.Path), static _ => true);
        return new Release(_table, entry);
    }

    /// <summary>Whether the watcher of a subject runs now (false while a gone resource is left alone). For tests.</summary>
    public bool IsPolling(string subject)
    {
        return _table.TryPeek(subject, out var entry) && !entry.Task.IsCompleted;
    }

    /// <summary>
    /// Stops watchers nobody has used for three intervals, and restarts the watcher of a gone resource that still has
    /// subscribers once its absence time is over. Called by the watch sweeper.
    /// </summary>
    public void Sweep()
    {
        var stop = _table.Sweep(
            entry =>
            {
                var interval = entry.Watcher.Resource.Interval;
                return time.GetElapsedTime(entry.ReleasedAt) > interval * 3 &&
                    (entry.GoneAt == 0 || time.GetElapsedTime(entry.GoneAt) > AbsenceTime(interval));
            },
            entry =>
            {
                if (entry.GoneAt != 0 && entry.Task.IsCompleted && time.GetElapsedTime(entry.GoneAt) > AbsenceTime(entry.Watcher.Resource.Interval))
                {
                    Start(entry);
                }
            });

        foreach (var entry in stop ?? [])
        {
            entry.Stop.Cancel();
        }

        (baselines as LocalWatchBaselines)?.Prune();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var entry in _table.TakeAll())
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

    private Entry StartWatching(string subject, PushRoute route, string path)
    {
        var watcher = new ResourceWatcher(new WatchedResource(route.RouteId, route.ClusterId, subject, path, route.WatchInterval),
            lease, baselines, broker, proxy, httpFactory.CreateClient(HttpClientName), metrics, time, _logger);
        var entry = new Entry(subject, watcher);
        Start(entry);
        return entry;
    }

    /// <summary>
    /// Runs the watcher (under the table's lock: at its first acquire, or from the sweep once a gone resource's absence is
    /// over); when it ends because the resource is gone, the entry remembers when.
    /// </summary>
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
            entry.GoneAt = time.GetTimestamp();
        }
    }

    private sealed class Entry(string subject, ResourceWatcher watcher) : Utilities.SharedEntry(subject)
    {
        private long _goneAt;

        public ResourceWatcher Watcher { get; } = watcher;

        public CancellationTokenSource Stop { get; } = new();

        public Task Task { get; set; } = Task.CompletedTask;

        /// <summary>When the backend said the resource is gone (a timestamp; 0 = not gone). Written by the watcher's task.</summary>
        public long GoneAt
        {
            get => Volatile.Read(ref _goneAt);
            set => Volatile.Write(ref _goneAt, value);
        }
    }

    private sealed class Release(Utilities.SharedTable<Entry> table, Entry entry) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                table.Release(entry);
            }
        }
    }
}
