using System.Text.Json;
using Gateway.Broker;
using Gateway.Routing;
using Yarp.ReverseProxy.Model;

namespace Gateway.Edge;

/// <summary>
/// Notify on write: after a proxied POST/PUT/PATCH/DELETE on a route with <c>Push.Notify</c> returns 2xx, publish a
/// <c>changed</c> event (method, path, status, new ETag when known) to the route's subject. Failed writes publish nothing.
/// </summary>
internal sealed partial class NotifyOnWriteMiddleware(
    PushRouteTable routes,
    IEventBroker broker,
    EdgeCache cache,
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

        await next();

        var status = context.Response.StatusCode;
        if (!(HttpMethods.IsPost(method) || HttpMethods.IsPut(method) || HttpMethods.IsPatch(method) || HttpMethods.IsDelete(method)) ||
            status < 200 || status > 299)
        {
            return;
        }

        cache.Invalidate(context.Request.Path);
        if (!route.Notify.TryFill(name => context.GetRouteValue(name)?.ToString(), out var subject, out var bad))
        {
            Log.NotifySkipped(logger, route.RouteId, bad ?? "?");
            return;
        }

        var payload = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
        {
            ["method"] = method,
            ["path"] = context.Request.Path.Value,
            ["status"] = status,
            ["etag"] = context.Response.Headers.ETag.Count > 0 ? context.Response.Headers.ETag.ToString() : null,
        }, NotifyJsonContext.Default.DictionaryStringObject);
        try
        {
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
