using System.Globalization;
using System.Net;
using Gateway.Broker;
using Yarp.ReverseProxy;

namespace Gateway.Watch;

/// <summary>
/// Polls one resource with <c>If-None-Match</c> once per interval while this instance holds its lease, and publishes the
/// new representation as a <c>changed</c> event when it differs from the baseline (docs/scale-out.md). Backs off on
/// errors and honours the backend's <c>Retry-After</c>, renewing the lease meanwhile so no other instance polls a backend
/// that asked for quiet. Stops when the backend says the resource is gone (404, 410).
/// </summary>
internal sealed partial class ResourceWatcher(
    WatchedResource resource,
    IWatchLease lease,
    IWatchBaselines baselines,
    IEventBroker broker,
    IProxyStateLookup proxy,
    HttpClient http,
    Observability.GatewayMetrics metrics,
    TimeProvider time,
    ILogger logger)
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(60);

    public WatchedResource Resource => resource;

    /// <summary>
    /// The lease time: three intervals. The holder renews every interval (a third of it), so two renewals in a row may
    /// be late or lost before another instance takes over; a dead holder is replaced within four intervals.
    /// </summary>
    public TimeSpan LeaseTime => resource.Interval * 3;

    /// <summary>Polls until cancelled (returns <see cref="WatchEnd.Stopped"/>) or until the backend says the resource is gone.</summary>
    public async Task<WatchEnd> RunAsync(CancellationToken cancellationToken)
    {
        var end = WatchEnd.Stopped;
        var quietSince = 0L;
        var quietFor = TimeSpan.Zero;
        var backoff = TimeSpan.Zero;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                // Every interval, also while backing off: the renewal keeps the lease (and the quiet) here.
                var held = await lease.TryHoldAsync(resource.Subject, LeaseTime, cancellationToken);
                if (held && (quietSince == 0 || time.GetElapsedTime(quietSince) >= quietFor))
                {
                    var outcome = await PollAsync(cancellationToken);
                    if (outcome.Gone)
                    {
                        end = WatchEnd.Gone;
                        break;
                    }

                    backoff = TimeSpan.Zero;
                    (quietSince, quietFor) = outcome.Quiet is { } quiet ? (time.GetTimestamp(), quiet) : (0L, TimeSpan.Zero);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                backoff = backoff == TimeSpan.Zero ? resource.Interval : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
                (quietSince, quietFor) = (time.GetTimestamp(), backoff);
                metrics.WatchPolls.WithLabels(resource.RouteId, "error").Inc();
                Log.PollFailed(logger, resource.BackendPath, ex.Message);
            }

            try
            {
                await Task.Delay(resource.Interval, time, cancellationToken);
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

        return end;
    }

    /// <summary>One poll: publish, adopt silently, or nothing; or how long to keep quiet; or gone.</summary>
    private async Task<PollOutcome> PollAsync(CancellationToken cancellationToken)
    {
        var destination = Destination() ?? throw new InvalidOperationException($"cluster '{resource.ClusterId}' has no destination");
        var stored = await baselines.GetAsync(resource.Subject, cancellationToken);
        var baseline = stored.Value;

        // The backend asked a holder for quiet, maybe the one before us (its lease lapsed while it kept quiet).
        if (baseline is { QuietUntil: > 0 } && DateTimeOffset.FromUnixTimeMilliseconds(baseline.QuietUntil) - time.GetUtcNow() is var left && left > TimeSpan.Zero)
        {
            return new PollOutcome(left);
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(destination, resource.BackendPath.TrimStart('/')));
        if (baseline?.ETag is { } known)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", known);
        }

        // A poll may not outlast a renewal period, or the lease could lapse while it waits.
        using var pollTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        pollTimeout.CancelAfter(resource.Interval);
        using var response = await http.SendAsync(request, pollTimeout.Token);
        if (response.StatusCode == HttpStatusCode.NotModified)
        {
            metrics.WatchPolls.WithLabels(resource.RouteId, "not_modified").Inc();
            return default;
        }

        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone)
        {
            metrics.WatchPolls.WithLabels(resource.RouteId, "gone").Inc();
            Log.ResourceGone(logger, resource.BackendPath, (int)response.StatusCode);
            return new PollOutcome(null, Gone: true);
        }

        if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable || (int)response.StatusCode >= 500)
        {
            metrics.WatchPolls.WithLabels(resource.RouteId, "backend_error").Inc();
            var retry = response.Headers.RetryAfter?.Delta ?? (response.Headers.RetryAfter?.Date is { } date ? date - time.GetUtcNow() : null);
            return await QuietAsync(stored, retry is { } r && r > TimeSpan.Zero ? TimeSpan.FromTicks(Math.Min(r.Ticks, MaxBackoff.Ticks)) : resource.Interval * 2, cancellationToken);
        }

        if (!response.IsSuccessStatusCode)
        {
            metrics.WatchPolls.WithLabels(resource.RouteId, "status_" + ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture)).Inc();
            return await QuietAsync(stored, resource.Interval * 2, cancellationToken);
        }

        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var etag = response.Headers.ETag?.ToString();
        var hash = Edge.EdgeETagMiddleware.Compute(body);
        if (baseline is not null && baseline.IsSame(etag, hash))
        {
            metrics.WatchPolls.WithLabels(resource.RouteId, "unchanged").Inc();
            return default;
        }

        // Read the baseline again: a write through notify-on-write marks it before the backend sees the write, so a
        // representation produced by that write is always seen together with its mark (or its announcement).
        stored = await baselines.GetAsync(resource.Subject, cancellationToken);
        baseline = stored.Value;
        if (baseline is not null && baseline.IsSame(etag, hash))
        {
            metrics.WatchPolls.WithLabels(resource.RouteId, "unchanged").Inc();
            return default;
        }

        // A write in flight through notify-on-write: its announcement comes when its response is back; look again then.
        if (baseline?.Announced is { InFlight: true } pending && time.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(pending.At) <= AnnouncedWrite.InFlightLimit)
        {
            metrics.WatchPolls.WithLabels(resource.RouteId, "deferred").Inc();
            return default;
        }

        // The representation a notify-on-write already announced: take it as the baseline without a second event.
        if (baseline?.Announced is { } write && (write.Matches(etag, hash) || IsBlindAndRecent(write)))
        {
            await baselines.TryPutAsync(resource.Subject, baseline with { ETag = etag, Hash = hash, Announced = null }, stored.Revision, cancellationToken);
            metrics.WatchPolls.WithLabels(resource.RouteId, "announced").Inc();
            return default;
        }

        // Fence: renew the lease right before publishing; a holder that was superseded meanwhile stops here.
        if (!await lease.TryHoldAsync(resource.Subject, LeaseTime, cancellationToken))
        {
            metrics.WatchPolls.WithLabels(resource.RouteId, "superseded").Inc();
            return default;
        }

        // The id makes JetStream drop the same announcement made twice (a holder killed after its publish but before it
        // recorded the baseline, and its successor): same subject, same change number, same representation.
        var version = (baseline?.Version ?? 0) + 1;
        var id = string.Create(CultureInfo.InvariantCulture, $"watch:{resource.Subject}:{version}:{hash}");
        await broker.PublishAsync(new OutgoingMessage(resource.Subject, Edge.NotifyOnWriteMiddleware.ChangedEvent, body, id), cancellationToken);
        await RecordAsync(stored, new WatchBaseline(etag, hash, version, null), cancellationToken);
        metrics.WatchPolls.WithLabels(resource.RouteId, "changed").Inc();
        metrics.Published.WithLabels("watch", "ok").Inc();
        return default;
    }

    /// <summary>
    /// Keeps quiet, and records until when in the shared baseline (wall-clock time, as the instances share it): renewals
    /// keep the lease here, but one that comes too late on a loaded machine hands it over, and the next holder must not
    /// poll before the backend's quiet is over (docs/scale-out.md). Best effort: a lost compare-and-set or a broker error
    /// leaves the quiet to this holder alone.
    /// </summary>
    private async Task<PollOutcome> QuietAsync(StoredBaseline stored, TimeSpan quiet, CancellationToken cancellationToken)
    {
        var until = (time.GetUtcNow() + quiet).ToUnixTimeMilliseconds();
        try
        {
            await baselines.TryPutAsync(resource.Subject, (stored.Value ?? new WatchBaseline(null, null, 0, null)) with { QuietUntil = until }, stored.Revision, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.PollFailed(logger, resource.BackendPath, ex.Message);
        }

        return new PollOutcome(quiet);
    }

    /// <summary>Records what was published; a notify that wrote the baseline meanwhile keeps its announcement.</summary>
    private async Task RecordAsync(StoredBaseline stored, WatchBaseline published, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            if (await baselines.TryPutAsync(resource.Subject, published, stored.Revision, cancellationToken))
            {
                return;
            }

            stored = await baselines.GetAsync(resource.Subject, cancellationToken);
            var announced = stored.Value?.Announced;
            published = published with
            {
                Version = Math.Max(published.Version, stored.Value?.Version ?? 0),
                Announced = announced is not null && !announced.Matches(published.ETag, published.Hash!) ? announced : null,
            };
        }
    }

    /// <summary>
    /// A write whose response carried no validator (a <c>204</c>): the first different representation seen within two
    /// intervals of it is taken to be its result (docs/scale-out.md).
    /// </summary>
    private bool IsBlindAndRecent(AnnouncedWrite write) =>
        !write.HasValidator && time.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(write.At) <= resource.Interval * 2;

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

    /// <summary>What a poll asks of the loop: keep quiet for a while (back-off), or stop for good.</summary>
    private readonly record struct PollOutcome(TimeSpan? Quiet, bool Gone = false);

    private static partial class Log
    {
        [LoggerMessage(7000, LogLevel.Warning, "Watch poll of {Path} failed: {Reason}")]
        public static partial void PollFailed(ILogger logger, string path, string reason);

        [LoggerMessage(7001, LogLevel.Information, "Watched resource {Path} answered {Status}: the watch stops")]
        public static partial void ResourceGone(ILogger logger, string path, int status);
    }
}
