using Gateway.Broker;
using Gateway.Routing;
using Gateway.Sessions;
using Gateway.Transports.Wire;
using Microsoft.Extensions.Options;

namespace Gateway.Transports.Negotiate;

/// <summary>
/// <c>POST {path}/negotiate</c>: the transports this route allows now (in the operator's order, minus any switched off),
/// the current cursor, and the timing a client needs. Broker trouble becomes an <c>error</c> field, never a 500.
/// </summary>
internal sealed class NegotiateEndpoint(SessionHost host, IOptionsMonitor<PushOptions> options, Observability.GatewayMetrics metrics)
{
    public async Task HandleAsync(PushContext context)
    {
        var push = options.CurrentValue;
        var offered = Offered(context.Route, push);
        string? cursor = null;
        string? error = null;
        try
        {
            var topic = await host.AcquireAsync(context.Subject, context.Http.RequestAborted);
            try
            {
                cursor = topic.Head.ToString();
            }
            finally
            {
                host.Release(topic);
            }
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
            PollIntervalMs = (int)context.Route.PollInterval.TotalMilliseconds,
            Upstream = context.Route.Upstream is not null,
            MaxMessageBytes = push.MaxMessageBytes,
            Error = error,
        };
        context.Http.Response.Headers.CacheControl = "no-store";
        await context.Http.Response.WriteAsJsonAsync(response, GatewayJsonContext.Default.NegotiateResponse, "application/json", context.Http.RequestAborted);
    }

    public static List<string> Offered(PushRoute route, PushOptions push)
    {
        var result = new List<string>(route.Transports.Count);
        foreach (var t in route.Transports)
        {
            if (!push.DisabledTransports.Any(d => TransportNames.TryParse(d, out var off) && off == t))
            {
                result.Add(t.Name());
            }
        }

        return result;
    }
}
