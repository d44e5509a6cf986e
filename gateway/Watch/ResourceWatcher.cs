using System.Globalization;
using System.Net;
using Gateway.Broker;
using Yarp.ReverseProxy;

namespace Gateway.Watch;

/// <summary>
/// Polls one resource with <c>If-None-Match</c> once per interval while this instance holds its lease, and publishes the
/// new representation as a <c>changed</c> event when its ETag (or, without one, its body hash) changes. Backs off on
/// errors and honours the backend's <c>Retry-After</c>, so a failing backend does not make it spin.
/// </summary>
internal sealed partial class ResourceWatcher(
    WatchedResource resource,
    IWatchLease lease,
    IEventBroker broker,
    IProxyStateLookup proxy,
    HttpClient http,
    Observability.GatewayMetrics metrics,
    TimeProvider time,
    ILogger logger)
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(60);
    private string? _etag;
    private bool _baseline;
    private bool _heldLast;
    private bool _recordPending;

    public WatchedResource Resource => resource;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var backoff = TimeSpan.Zero;
        // A holder renews every interval; a dead holder's lease ages out after 1.5 intervals and the others, checking
        // every half interval, take over within two.
        var ttl = resource.Interval * 1.5;
        while (!cancellationToken.IsCancellationRequested)
        {
            var wait = resource.Interval;
            try
            {
                var state = await lease.TryHoldAsync(resource.Subject, ttl, cancellationToken);

                // The lease's ETag is the truth when someone else held it last; while we hold it, ours is newer (a
                // record that failed after a publish must not make us publish the same change again).
                if (state.ETag is not null && !(state.Held && _heldLast))
                {
                    _etag = state.ETag;
                    _baseline = true;
                }

                _heldLast = state.Held;
                if (state.Held && _recordPending && _etag is not null)
                {
                    await lease.RecordAsync(resource.Subject, _etag, cancellationToken);
                    _recordPending = false;
                }

                if (state.Held)
                {
                    var next = await PollAsync(cancellationToken);
                    backoff = next ?? TimeSpan.Zero;
                    wait = next ?? resource.Interval;
                }
                else
                {
                    wait = resource.Interval / 2;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                backoff = backoff == TimeSpan.Zero ? resource.Interval : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
                wait = backoff;
                metrics.WatchPolls.WithLabels(resource.RouteId, "error").Inc();
                Log.PollFailed(logger, resource.BackendPath, ex.Message);
            }

            try
            {
                await Task.Delay(wait, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        try
        {
            await lease.ReleaseAsync(resource.Subject, CancellationToken.None);
        }
        catch (Exception ex)
        {
            Log.PollFailed(logger, resource.BackendPath, ex.Message);
        }
    }

    /// <summary>One poll. Returns a delay other than the interval when the backend asked for one or failed.</summary>
    private async Task<TimeSpan?> PollAsync(CancellationToken cancellationToken)
    {
        var destination = Destination() ?? throw new InvalidOperationException($"cluster '{resource.ClusterId}' has no destination");
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(destination, resource.BackendPath.TrimStart('/')));
        if (_etag is not null && !_etag.StartsWith("#", StringComparison.Ordinal))
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", _etag);
        }

        // A poll may not outlast the lease, or a second instance could take over and poll (and publish) meanwhile.
        using var pollTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        pollTimeout.CancelAfter(resource.Interval);
        using var response = await http.SendAsync(request, pollTimeout.Token);
        if (response.StatusCode == HttpStatusCode.NotModified)
        {
            metrics.WatchPolls.WithLabels(resource.RouteId, "not_modified").Inc();
            return null;
        }

        if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable || (int)response.StatusCode >= 500)
        {
            metrics.WatchPolls.WithLabels(resource.RouteId, "backend_error").Inc();
            var retry = response.Headers.RetryAfter?.Delta ?? (response.Headers.RetryAfter?.Date is { } date ? date - time.GetUtcNow() : null);
            return retry is { } r && r > TimeSpan.Zero ? TimeSpan.FromTicks(Math.Min(r.Ticks, MaxBackoff.Ticks)) : resource.Interval * 2;
        }

        if (!response.IsSuccessStatusCode)
        {
            metrics.WatchPolls.WithLabels(resource.RouteId, "status_" + ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture)).Inc();
            return resource.Interval * 2;
        }

        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);

        // Without a backend ETag, a body hash stands in ('#' marks it so it is never sent as If-None-Match).
        var etag = response.Headers.ETag?.ToString() ?? "#" + Edge.EdgeETagMiddleware.Compute(body);
        if (_baseline && etag == _etag)
        {
            metrics.WatchPolls.WithLabels(resource.RouteId, "unchanged").Inc();
            return null;
        }

        await broker.PublishAsync(new OutgoingMessage(resource.Subject, Edge.NotifyOnWriteMiddleware.ChangedEvent, body), cancellationToken);
        _etag = etag;
        _baseline = true;
        _recordPending = true;
        await lease.RecordAsync(resource.Subject, etag, cancellationToken);
        _recordPending = false;
        metrics.WatchPolls.WithLabels(resource.RouteId, "changed").Inc();
        metrics.Published.WithLabels("watch", "ok").Inc();
        return null;
    }

    private Uri? Destination()
    {
        if (resource.ClusterId is null || !proxy.TryGetCluster(resource.ClusterId, out var cluster))
        {
            return null;
        }

        var destinations = cluster.DestinationsState?.AvailableDestinations;
        var pick = destinations is { Count: > 0 } ? destinations[0] : cluster.Destinations.Values.FirstOrDefault();
        var address = pick?.Model.Config.Address;
        return address is null ? null : new Uri(address.EndsWith('/') ? address : address + "/");
    }

    private static partial class Log
    {
        [LoggerMessage(7000, LogLevel.Warning, "Watch poll of {Path} failed: {Reason}")]
        public static partial void PollFailed(ILogger logger, string path, string reason);
    }
}
