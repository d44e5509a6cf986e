using Gateway.Routing;
using Gateway.Transports;

namespace Gateway.Push.Upstream;

/// <summary>
/// Publishes one WebSocket's client messages upstream, at most its route's rate (a per-connection token bucket): the
/// wire hands it the message, it decides and counts.
/// </summary>
internal sealed class ClientPublisher(UpstreamPublisher upstream, PushContext context, int ratePerSecond, TimeProvider time) : IClientMessages
{
    private readonly UpstreamBucket _bucket = new(ratePerSecond, time);

    public async ValueTask<ClientMessageResult> PublishAsync(string? eventType, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (context.Route.Upstream is not null && !_bucket.TryTake())
        {
            upstream.Count(context.Route, "rate_limited");
            return new ClientMessageResult("rate_limited", "Too many publishes; slow down.");
        }

        var outcome = await upstream.PublishAsync(context, eventType, data, cancellationToken);
        return outcome.Error is null ? ClientMessageResult.Ok : new ClientMessageResult(outcome.Error, outcome.Message);
    }
}
