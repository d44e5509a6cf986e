using Gateway.Broker;
using Gateway.Lifecycle;
using Gateway.Routing;
using Gateway.Sessions;
using Gateway.Transports;
using Gateway.Transports.Wire;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy;

namespace Gateway.Management;

/// <summary>The operator endpoints: <c>POST /publish/{subject}</c>, <c>POST /admin/drain</c>, <c>GET /admin/routes</c>.</summary>
internal sealed partial class ManagementHandlers(
    IEventBroker broker,
    DrainCoordinator drain,
    SessionRegistry sessions,
    Observability.GatewayMetrics metrics,
    IProxyStateLookup proxy,
    PushRouteTable routes,
    IHostApplicationLifetime lifetime,
    IOptions<DrainOptions> drainOptions,
    IOptionsMonitor<PushOptions> pushOptions,
    ILogger<ManagementHandlers> logger)
{
    public async Task DrainAsync(HttpContext context)
    {
        var count = sessions.Count;
        var task = drain.DrainAsync();
        if (drainOptions.Value.ExitAfterDrain)
        {
            _ = task.ContinueWith(_ => lifetime.StopApplication(), TaskScheduler.Default);
        }

        Log.DrainRequested(logger, count);
        context.Response.StatusCode = StatusCodes.Status202Accepted;
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsJsonAsync(new DrainResponse("draining", count, (int)drainOptions.Value.Window.TotalMilliseconds), GatewayJsonContext.Default.DrainResponse);
    }

    public async Task RoutesAsync(HttpContext context)
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

        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsJsonAsync(list.ToArray(), GatewayJsonContext.Default.RouteSummaryArray);
    }

    /// <summary>The HTTP publish endpoint, for backends that do not speak NATS. The subject here is trusted (management port) but still checked.</summary>
    public async Task PublishAsync(HttpContext context)
    {
        var subject = Uri.UnescapeDataString(context.GetRouteValue("subject") as string ?? string.Empty);
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
