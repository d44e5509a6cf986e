using Gateway.Edge.RateLimits;
using Gateway.Routing;
using Gateway.Transports;

namespace Gateway.Push.Upstream;

/// <summary>
/// Publishes one WebSocket's client messages upstream. Each message spends from the client's <c>gw-publish</c> buckets
/// (shared with its HTTP publishes and its other sockets) and from a per-connection bucket: the wire hands it the
/// message, it decides and counts.
/// </summary>
internal sealed class ClientPublisher(UpstreamPublisher upstream, EdgeRateLimiter limiter, PushContext context, int ratePerSecond, TimeProvider time) : IClientMessages
{
    private readonly UpstreamBucket _bucket = new(ratePerSecond, time);

    public async ValueTask<ClientMessageResult> PublishAsync(string? eventType, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var route = context.Route;
        if (route.Upstream is not null)
        {
            if (!_bucket.TryTake())
            {
                upstream.Count(route, "rate_limited");
                return new ClientMessageResult("rate_limited", "Too many publishes; slow down.");
            }

            var key = new LimitRequest(LimitPolicy.Publish, context.ClientKey ?? "unknown", route.RouteId, route.PublishRate, route.PublishBurst);
            using var lease = limiter.Acquire(key);
            if (!lease.IsAcquired)
            {
                return new ClientMessageResult("rate_limited", "Too many publishes; slow down.");
            }
        }

        var outcome = await upstream.PublishAsync(context, eventType, data, cancellationToken);
        return outcome.Error is null ? ClientMessageResult.Ok : new ClientMessageResult(outcome.Error, outcome.Message);
    }
}
