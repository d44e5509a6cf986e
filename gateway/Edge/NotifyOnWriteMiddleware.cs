using System.Text.Json;
using Gateway.Broker;
using Gateway.Routing;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Model;

namespace Gateway.Edge;

/// <summary>
/// Notify on write: after a proxied POST/PUT/PATCH/DELETE on a route with <c>Push.Notify</c> returns 2xx, publish a
/// <c>changed</c> event (method, path, status, new ETag when known) to the route's subject. Failed writes publish nothing.
/// Before the event goes out, the watch of the same subject is told which representation the write produced (its
/// response's ETag and body hash), so it does not announce the same change again (docs/scale-out.md).
/// </summary>
internal sealed partial class NotifyOnWriteMiddleware(
    PushRouteTable routes,
    IEventBroker broker,
    EdgeCache cache,
    IEnumerable<IWriteObserver> observers,
    Observability.GatewayMetrics metrics,
    ILogger<NotifyOnWriteMiddleware> logger)
{
    public const string ChangedEvent = "changed";

    public async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var route = routes.Get(context.GetReverseProxyFeature().Route.Config);
        var method = context.Request.Method;
        if (route?.Notify is null || context.Items.ContainsKey(Routing.PushContext.HandledItem))
        {
            await next();
            return;
        }

        if (!(HttpMethods.IsPost(method) || HttpMethods.IsPut(method) || HttpMethods.IsPatch(method) || HttpMethods.IsDelete(method)))
        {
            await next();
            return;
        }

        // The watch defers while a write is in flight: its poll may see the new representation before the write's
        // response is back here, and must not announce it on its own.
        var filled = route.Notify.TryFill(name => context.GetRouteValue(name)?.ToString(), out var subject, out var bad);
        if (filled)
        {
            foreach (var observer in observers)
            {
                await observer.WriteStartingAsync(subject, CancellationToken.None);
            }
        }

        var originalBody = context.Response.Body;
        var originalFeature = context.Features.Get<IHttpResponseBodyFeature>()!;
        using var hashing = new HashingBody(originalBody);
        context.Features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(hashing, originalFeature));
        context.Response.Body = hashing;
        var status = 0;
        try
        {
            await next();
            status = context.Response.StatusCode;
        }
        finally
        {
            context.Features.Set(originalFeature);
            context.Response.Body = originalBody;
            if (filled && (status < 200 || status > 299))
            {
                foreach (var observer in observers)
                {
                    await observer.WriteFailedAsync(subject, CancellationToken.None);
                }
            }
        }

        if (status < 200 || status > 299)
        {
            return;
        }

        cache.Invalidate(context.Request.Path);
        if (!filled)
        {
            Log.NotifySkipped(logger, route.RouteId, bad ?? "?");
            return;
        }

        var etag = context.Response.Headers.ETag.Count > 0 ? context.Response.Headers.ETag.ToString() : null;
        var payload = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
        {
            ["method"] = method,
            ["path"] = context.Request.Path.Value,
            ["status"] = status,
            ["etag"] = etag,
        }, NotifyJsonContext.Default.DictionaryStringObject);
        try
        {
            // First the watch's baseline, then the event: a watch poll in between must already know this change.
            var bodyHash = hashing.Hash();
            foreach (var observer in observers)
            {
                await observer.WriteAnnouncedAsync(subject, etag, bodyHash, CancellationToken.None);
            }

            // The client already has its answer; the publish must not fail the write it reports.
            await broker.PublishAsync(new OutgoingMessage(subject, ChangedEvent, payload), CancellationToken.None);
            metrics.Published.WithLabels("notify", "ok").Inc();
        }
        catch (BrokerUnavailableException ex)
        {
            metrics.Published.WithLabels("notify", "error").Inc();
            Log.NotifyFailed(logger, subject, ex.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(5000, LogLevel.Warning, "Notify on route {RouteId} skipped: route value '{Parameter}' is not a valid subject token")]
        public static partial void NotifySkipped(ILogger logger, string routeId, string parameter);

        [LoggerMessage(5001, LogLevel.Error, "Notify publish to {Subject} failed: {Reason}")]
        public static partial void NotifyFailed(ILogger logger, string subject, string reason);
    }
}
