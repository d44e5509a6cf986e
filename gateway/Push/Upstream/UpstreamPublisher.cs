using Gateway.Broker;
using Gateway.Routing;

namespace Gateway.Push.Upstream;

/// <summary>Publishes client-to-server messages to the route's <c>Push.Upstream</c> subject (WebSocket frames and HTTP POST).</summary>
internal sealed class UpstreamPublisher(IEventBroker broker, Observability.GatewayMetrics metrics)
{
    public async Task<UpstreamOutcome> PublishAsync(PushContext context, string? eventType, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var route = context.Route;
        if (route.Upstream is null)
        {
            Count(route, "not_allowed");
            return new UpstreamOutcome(null, "upstream_not_allowed", "This route does not accept client messages.");
        }

        if (!route.Upstream.TryFill(context.RouteValue, out var subject, out var bad))
        {
            Count(route, "invalid");
            return new UpstreamOutcome(null, "invalid_route_value", $"Route value '{bad}' must match ^[A-Za-z0-9_-]{{1,128}}$.");
        }

        var type = GatewayHeaders.SanitizeEventType(eventType);
        if (GatewayHeaders.IsReserved(type))
        {
            // gateway.join and gateway.leave come from the gateway only (docs/presence.md): a client cannot fake one.
            Count(route, "invalid");
            return new UpstreamOutcome(null, "reserved_event_type", "Event types starting with 'gateway.' are the gateway's own.");
        }

        try
        {
            await broker.PublishAsync(new OutgoingMessage(subject, type, data), cancellationToken);
            Count(route, "published");
            return new UpstreamOutcome(subject, null, null);
        }
        catch (BrokerUnavailableException ex)
        {
            Count(route, "broker_unavailable");
            return new UpstreamOutcome(null, "broker_unavailable", ex.Message);
        }
    }

    public void Count(PushRoute route, string result) => metrics.UpstreamMessages.WithLabels(route.RouteId, result).Inc();
}

internal readonly record struct UpstreamOutcome(string? Subject, string? Error, string? Message);
