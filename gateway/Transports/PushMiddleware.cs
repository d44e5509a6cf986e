using Gateway.Broker;
using Gateway.Routing;
using Gateway.Sessions;
using Gateway.Transports.Negotiate;
using Gateway.Transports.Upstream;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Model;

namespace Gateway.Transports;

/// <summary>
/// Push rides YARP's routing: YARP's endpoint matched the route, and this middleware (between routing and the proxy
/// endpoint) serves push requests on push routes and passes everything else on to the proxy. It runs before the proxy
/// pipeline rather than inside it because YARP answers 503 for a route without a cluster before any pipeline
/// middleware runs, and a push-only route (prices) has no backend. Bad input ends here with a status and a JSON body.
/// </summary>
internal sealed class PushMiddleware(
    PushRouteTable routes,
    IEnumerable<IPushTransport> transports,
    NegotiateEndpoint negotiate,
    UpstreamPublisher upstream,
    PushAdmission admission,
    SessionHost host,
    Watch.WatchRegistry watches,
    IOptionsMonitor<PushOptions> options,
    Observability.GatewayMetrics metrics)
{
    private readonly IPushTransport[] _transports = [.. transports.OrderBy(t => t.Kind)];

    public const string HandledItem = "gw.push";

    public async Task InvokeAsync(HttpContext http, Func<Task> next)
    {
        var model = http.GetEndpoint()?.Metadata.GetMetadata<RouteModel>();
        var route = routes.Get(model?.Config);
        if (route is null || !route.IsStream)
        {
            await next();
            return;
        }

        var operation = http.GetRouteValue(PushConfigFilter.OperationRouteValue) as string ?? string.Empty;
        if (operation.Length > 0 && operation != "negotiate")
        {
            await Handled(http, WireErrors.WriteAsync(http, 404, "not_found", $"No push operation '{Truncate(operation)}' on this route; use the stream path or '/negotiate'."));
            return;
        }

        if (!route.Subject!.TryFill(name => http.GetRouteValue(name)?.ToString(), out var subject, out var bad))
        {
            await Handled(http, WireErrors.WriteAsync(http, 400, "invalid_route_value",
                $"Route value '{bad}' must match ^[A-Za-z0-9_-]{{1,128}}$ to become part of a subject."));
            return;
        }

        var context = new PushContext(http, route, model!.Config, subject);
        if (operation == "negotiate")
        {
            await Handled(http, NegotiateAsync(context));
            return;
        }

        if (HttpMethods.IsPost(http.Request.Method))
        {
            await Handled(http, PublishAsync(context));
            return;
        }

        if (!HttpMethods.IsGet(http.Request.Method))
        {
            http.Response.Headers.Allow = "GET, POST";
            await Handled(http, WireErrors.WriteAsync(http, 405, "method_not_allowed", "A push stream takes GET (subscribe) or POST (publish upstream)."));
            return;
        }

        var allowed = NegotiateEndpoint.Offered(route, options.CurrentValue);
        switch (TransportSelector.Select(http, out var kind))
        {
            case TransportSelection.None when route.ClusterId is not null:
                // Plain REST: the last link of the chain is the backend itself.
                await next();
                return;
            case TransportSelection.None:
                await Handled(http, WireErrors.WriteAsync(http, 400, "transport_required",
                    "Pick a transport: a WebSocket upgrade, Accept: text/event-stream, or ?transport=longpolling|polling.", allowed));
                return;
            case TransportSelection.Unknown:
                await Handled(http, WireErrors.WriteAsync(http, 400, "unknown_transport", "Unknown transport.", allowed));
                return;
            case TransportSelection.NotAnUpgrade:
                await Handled(http, WireErrors.WriteAsync(http, 400, "websocket_upgrade_required", "transport=websocket needs a WebSocket upgrade request.", allowed));
                return;
        }

        if (!allowed.Contains(kind.Name()))
        {
            await Handled(http, WireErrors.WriteAsync(http, 400, "transport_not_allowed", $"Transport '{kind.Name()}' is not allowed on this route.", allowed));
            return;
        }

        if ((kind == TransportKind.WebSocket || kind == TransportKind.Sse) &&
            !OriginPolicy.IsAllowed(http, options.CurrentValue, kind == TransportKind.WebSocket || OriginPolicy.IsCredentialed(http)))
        {
            metrics.ConnectsRejected.WithLabels(route.RouteId, "origin").Inc();
            await Handled(http, WireErrors.WriteAsync(http, 403, "origin_not_allowed", "This Origin may not open push connections."));
            return;
        }

        await Handled(http, RunAsync(context, kind));
    }

    private static string Truncate(string s) => s.Length > 64 ? s[..64] : s;

    private static Task Handled(HttpContext http, Task work)
    {
        http.Items[HandledItem] = true;
        return work;
    }

    private async Task RunAsync(PushContext context, TransportKind kind)
    {
        var transport = _transports[(int)kind];
        var isPoll = kind is TransportKind.LongPolling or TransportKind.Polling;
        var admitted = admission.Admit(context, isPoll);
        if (!admitted.IsAllowed)
        {
            await transport.RejectAsync(context, admitted.Status, admitted.Reason!, admitted.RetryAfter);
            return;
        }

        FallbackReport.Count(context.Http, context.Route, kind, metrics);
        Topic topic;
        try
        {
            topic = await host.AcquireAsync(context.Subject, context.Http.RequestAborted);
        }
        catch (BrokerUnavailableException)
        {
            metrics.ConnectsRejected.WithLabels(context.Route.RouteId, "broker_unavailable").Inc();
            await transport.RejectAsync(context, 503, "broker_unavailable", host.Services.RetryAdvice());
            return;
        }

        // A watched route's resource is polled while anyone, on any transport, is subscribed to it.
        using var watch = watches.Acquire(context.Route, context.Subject, name => context.Http.GetRouteValue(name)?.ToString());
        try
        {
            await transport.RunAsync(context, topic);
        }
        finally
        {
            host.Release(topic);
        }
    }

    private async Task NegotiateAsync(PushContext context)
    {
        if (!HttpMethods.IsPost(context.Http.Request.Method) && !HttpMethods.IsGet(context.Http.Request.Method))
        {
            await WireErrors.WriteAsync(context.Http, 405, "method_not_allowed", "Negotiate with POST.");
            return;
        }

        var admitted = admission.Admit(context, isPoll: false);
        if (!admitted.IsAllowed)
        {
            await WireErrors.WriteAsync(context.Http, admitted.Status, admitted.Reason!, "Negotiation refused right now; retry after the advised delay.", retryAfter: admitted.RetryAfter);
            return;
        }

        if (context.Http.Request.Query.TryGetValue("fallbackFrom", out _) && TransportNames.TryParse(context.Http.Request.Query["fallbackTo"], out var to))
        {
            FallbackReport.Count(context.Http, context.Route, to, metrics);
        }

        await negotiate.HandleAsync(context);
    }

    private async Task PublishAsync(PushContext context)
    {
        var http = context.Http;
        var max = options.CurrentValue.MaxMessageBytes;
        if (context.Route.Upstream is null)
        {
            upstream.Count(context.Route, "not_allowed");
            http.Response.Headers.Allow = "GET";
            await WireErrors.WriteAsync(http, 405, "upstream_not_allowed", "This route does not accept client messages.");
            return;
        }

        var data = await LimitedBody.ReadAsync(http, max);
        if (data is null)
        {
            return;
        }

        if (!EventEncoding.IsJson(data))
        {
            await WireErrors.WriteAsync(http, 400, "invalid_json", "The body must be one JSON value.");
            return;
        }

        var outcome = await upstream.PublishAsync(context, http.Request.Headers[GatewayHeaders.EventType], data, http.RequestAborted);
        if (outcome.Error is not null)
        {
            var status = outcome.Error == "broker_unavailable" ? 503 : 400;
            await WireErrors.WriteAsync(http, status, outcome.Error, outcome.Message!, retryAfter: status == 503 ? TimeSpan.FromSeconds(2) : null);
            return;
        }

        http.Response.StatusCode = StatusCodes.Status202Accepted;
        await http.Response.WriteAsJsonAsync(new Wire.PublishAck("ack", null, outcome.Subject!), Wire.GatewayJsonContext.Default.PublishAck, "application/json", http.RequestAborted);
    }
}
