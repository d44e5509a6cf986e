using System.Text.Json;
using Gateway.Broker;
using Gateway.Lifecycle;
using Gateway.Routing;
using Gateway.Sessions;
using Gateway.Transports;
using Gateway.Transports.Wire;
using Prometheus;
using Yarp.ReverseProxy;

namespace Gateway.Management;

/// <summary>
/// The management port: <c>/healthz</c>, <c>/readyz</c>, <c>/metrics</c>, <c>POST /publish/{subject}</c>,
/// <c>POST /admin/drain</c>, <c>GET /admin/routes</c>. Nothing else answers there.
/// </summary>
internal sealed partial class ManagementMiddleware(
    RequestDelegate next,
    int port,
    IEventBroker broker,
    DrainCoordinator drain,
    SessionRegistry sessions,
    Observability.GatewayMetrics metrics,
    IProxyStateLookup proxy,
    PushRouteTable routes,
    IHostApplicationLifetime lifetime,
    Microsoft.Extensions.Options.IOptions<DrainOptions> drainOptions,
    Microsoft.Extensions.Options.IOptionsMonitor<PushOptions> pushOptions,
    ILogger<ManagementMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Connection.LocalPort != port)
        {
            await next(context);
            return;
        }

        var path = context.Request.Path.Value ?? "/";
        var get = HttpMethods.IsGet(context.Request.Method);
        var post = HttpMethods.IsPost(context.Request.Method);
        switch (path)
        {
            case "/healthz" when get:
                context.Response.ContentType = "text/plain";
                await context.Response.WriteAsync("ok");
                return;
            case "/readyz" when get:
                await ReadyAsync(context);
                return;
            case "/metrics" when get:
                context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
                await metrics.Registry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted);
                return;
            case "/admin/drain" when post:
                await DrainAsync(context);
                return;
            case "/admin/routes" when get:
                await RoutesAsync(context);
                return;
        }

        if (path.StartsWith("/publish/", StringComparison.Ordinal) && post)
        {
            await PublishAsync(context, path["/publish/".Length..]);
            return;
        }

        await WireErrors.WriteAsync(context, 404, "not_found", "Management endpoints: /healthz, /readyz, /metrics, POST /publish/{subject}, POST /admin/drain, GET /admin/routes.");
    }

    private async Task ReadyAsync(HttpContext context)
    {
        string? reason = null;
        if (drain.IsDraining)
        {
            reason = "draining";
        }
        else if (!broker.IsConnected)
        {
            reason = "broker_unavailable";
        }
        else
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            if (!await broker.PingAsync(timeout.Token))
            {
                reason = "broker_unavailable";
            }
        }

        context.Response.StatusCode = reason is null ? 200 : 503;
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsJsonAsync(
            new ReadinessResponse(reason is null ? "ready" : "unready", reason, broker.Kind.ToString(), drain.IsDraining, sessions.Count),
            GatewayJsonContext.Default.ReadinessResponse);
    }

    private async Task DrainAsync(HttpContext context)
    {
        var count = sessions.Count;
        var task = drain.DrainAsync();
        if (drainOptions.Value.ExitAfterDrain)
        {
            _ = task.ContinueWith(_ => lifetime.StopApplication(), TaskScheduler.Default);
        }

        Log.DrainRequested(logger, count);
        context.Response.StatusCode = StatusCodes.Status202Accepted;
        await context.Response.WriteAsJsonAsync(new DrainResponse("draining", count, (int)drainOptions.Value.Window.TotalMilliseconds), GatewayJsonContext.Default.DrainResponse);
    }

    private async Task RoutesAsync(HttpContext context)
    {
        var list = new List<RouteSummary>();
        foreach (var route in proxy.GetRoutes())
        {
            var push = routes.Get(route.Config);
            list.Add(new RouteSummary(
                route.Config.RouteId,
                route.Config.Match.Path,
                push?.Subject?.Template,
                push is null ? [] : Push.TransportOffer.Of(push, pushOptions.CurrentValue),
                push?.Upstream?.Template,
                push?.Notify?.Template,
                push?.WatchPath,
                sessions.CountForRoute(route.Config.RouteId)));
        }

        await context.Response.WriteAsJsonAsync(list.ToArray(), GatewayJsonContext.Default.RouteSummaryArray);
    }

    /// <summary>The HTTP publish endpoint, for backends that do not speak NATS. The subject here is trusted (management port) but still checked.</summary>
    private async Task PublishAsync(HttpContext context, string subject)
    {
        subject = Uri.UnescapeDataString(subject);
        if (!IsValidSubject(subject))
        {
            await WireErrors.WriteAsync(context, 400, "invalid_subject", "A subject is dot-separated tokens of [A-Za-z0-9_-], without wildcards.");
            return;
        }

        var body = await LimitedBody.ReadAsync(context, pushOptions.CurrentValue.MaxMessageBytes * 16);
        if (body is null)
        {
            return;
        }

        try
        {
            await broker.PublishAsync(new OutgoingMessage(subject, context.Request.Headers[GatewayHeaders.EventType], body), context.RequestAborted);
            metrics.Published.WithLabels("http", "ok").Inc();
        }
        catch (BrokerUnavailableException ex)
        {
            metrics.Published.WithLabels("http", "error").Inc();
            await WireErrors.WriteAsync(context, 503, "broker_unavailable", ex.Message, retryAfter: TimeSpan.FromSeconds(2));
            return;
        }

        context.Response.StatusCode = StatusCodes.Status202Accepted;
        await context.Response.WriteAsJsonAsync(new PublishAck("ack", null, subject), GatewayJsonContext.Default.PublishAck);
    }

    internal static bool IsValidSubject(string subject)
    {
        if (subject.Length is 0 or > 256)
        {
            return false;
        }

        foreach (var token in subject.Split('.'))
        {
            if (!SubjectTemplate.IsValidValue(token))
            {
                return false;
            }
        }

        return true;
    }

    private static partial class Log
    {
        [LoggerMessage(6000, LogLevel.Warning, "Drain requested through the management port with {Sessions} sessions")]
        public static partial void DrainRequested(ILogger logger, int sessions);
    }
}
