using Gateway.Broker;
using Gateway.Routing;
using Yarp.ReverseProxy;

namespace Gateway.Watch;

/// <summary>
/// Which watched resources have subscribers on this instance. The first subscriber starts a watcher (which polls only
/// while it holds the resource's lease); the watcher lingers a few intervals after the last one leaves, so a crowd of
/// short pollers keeps one steady watch instead of churning.
/// </summary>
internal sealed class WatchRegistry(
    IWatchLease lease,
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
                    lease, broker, proxy, httpFactory.CreateClient(HttpClientName), metrics, time, _logger);
                entry = new Entry(watcher);
                entry.Task = watcher.RunAsync(entry.Stop.Token);
                _watches[subject] = entry;
            }

            entry.References++;
            return new Release(this, subject);
        }
    }

    /// <summary>Stops watchers nobody has used for three intervals. Called by the watch sweeper.</summary>
    public void Sweep()
    {
        List<Entry>? stop = null;
        lock (_lock)
        {
            foreach (var (subject, entry) in _watches.ToList())
            {
                if (entry.References == 0 && time.GetElapsedTime(entry.ReleasedAt) > entry.Watcher.Resource.Interval * 3)
                {
                    _watches.Remove(subject);
                    (stop ??= []).Add(entry);
                }
            }
        }

        foreach (var entry in stop ?? [])
        {
            entry.Stop.Cancel();
        }
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
