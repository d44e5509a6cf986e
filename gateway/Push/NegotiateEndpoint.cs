using Gateway.Broker;
using Gateway.Routing;
using Gateway.Sessions;
using Gateway.Transports;
using Gateway.Transports.Wire;
using Microsoft.Extensions.Options;

namespace Gateway.Push;

/// <summary>
/// <c>POST {path}/negotiate</c>: the transports this route allows now (in the operator's order, minus any switched off),
/// the current cursor, and the timing a client needs. Broker trouble becomes an <c>error</c> field, never a 500.
/// </summary>
internal sealed class NegotiateEndpoint(
    SessionHost sessions,
    PushAdmission admission,
    PollAdvice.PollIntervalAdvisor pollAdvisor,
    IOptionsMonitor<PushOptions> options,
    Observability.GatewayMetrics metrics)
{
    public async Task HandleAsync(PushContext context)
    {
        var http = context.Http;
        if (!HttpMethods.IsPost(http.Request.Method) && !HttpMethods.IsGet(http.Request.Method))
        {
            await WireErrors.WriteAsync(http, 405, "method_not_allowed", "Negotiate with POST.");
            return;
        }

        var admitted = admission.Admit(context, isPoll: false);
        if (!admitted.IsAllowed)
        {
            await WireErrors.WriteAsync(http, admitted.Status, admitted.Reason!, "Negotiation refused right now; retry after the advised delay.", retryAfter: admitted.RetryAfter);
            return;
        }

        if (http.Request.Query.TryGetValue("fallbackFrom", out _) && TransportNames.TryParse(http.Request.Query["fallbackTo"], out var to))
        {
            FallbackReport.Count(http, context.Route, to, metrics);
        }

        var push = options.CurrentValue;
        var offered = TransportOffer.Of(context.Route, push);
        string? cursor = null;
        string? error = null;
        var pollInterval = context.Route.PollInterval;
        try
        {
            using var subscription = await sessions.SubscribeAsync(context.Subject, http.RequestAborted);
            cursor = subscription.Head.ToString();
            pollInterval = pollAdvisor.Advise(context.Route, context.Subject, subscription.Topic.Appended);
        }
        catch (BrokerUnavailableException ex)
        {
            error = "broker_unavailable: " + ex.Message;
        }

        metrics.Negotiations.WithLabels(context.Route.RouteId, offered.Count > 0 ? offered[0] : "none").Inc();
        var response = new NegotiateResponse(
            1,
            offered,
            cursor,
            (int)context.Route.Heartbeat.TotalMilliseconds,
            new ReconnectAdvice((int)push.ReconnectDelay.TotalMilliseconds / 3, 30_000))
        {
            PollIntervalMs = (int)pollInterval.TotalMilliseconds,
            Upstream = context.Route.Upstream is not null,
            MaxMessageBytes = push.MaxMessageBytes,
            Error = error,
        };
        http.Response.Headers.CacheControl = "no-store";
        await http.Response.WriteAsJsonAsync(response, GatewayJsonContext.Default.NegotiateResponse, "application/json", http.RequestAborted);
    }
}
