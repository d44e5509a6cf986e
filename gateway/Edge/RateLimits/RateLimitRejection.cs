using System.Collections.Frozen;
using Gateway.Routing;
using Gateway.Transports;
using Microsoft.AspNetCore.RateLimiting;

namespace Gateway.Edge.RateLimits;

/// <summary>
/// The middleware's <c>OnRejected</c>: each transport's own refusal. A stream or poll is refused the way its clients
/// understand (an <c>EventSource</c> gets a 200 stream with <c>retry:</c> and <c>gateway.reconnect</c>, since it gives up
/// for good on any other status; a WebSocket upgrade and a poll get 429); negotiations and publishes get 429. Every one
/// carries <c>Retry-After</c> and a JSON (or SSE) body naming the reason.
/// </summary>
internal sealed class RateLimitRejection(IEnumerable<IPushTransport> transports)
{
    private readonly FrozenDictionary<TransportKind, IPushTransport> _transports = transports.ToFrozenDictionary(t => t.Kind);

    public Func<OnRejectedContext, CancellationToken, ValueTask> OnRejected => (context, _) => new ValueTask(WriteAsync(context.HttpContext, context.Lease));

    public Task WriteAsync(HttpContext http, System.Threading.RateLimiting.RateLimitLease lease)
    {
        if (!LimitLeases.TryGetRefusal(lease, out var policy, out var reason, out var retryAfter))
        {
            (policy, reason, retryAfter) = (LimitPolicy.Connect, "rate_limited", TimeSpan.FromSeconds(1));
        }

        http.Items[PushContext.HandledItem] = true;
        if (policy is LimitPolicy.Connect or LimitPolicy.Poll &&
            TransportSelector.Select(http, out var kind) == TransportSelection.Selected &&
            _transports.TryGetValue(kind, out var transport))
        {
            return transport.RejectAsync(http, StatusCodes.Status429TooManyRequests, reason, retryAfter);
        }

        var message = policy == LimitPolicy.Publish ? "Too many publishes; slow down and retry after the advised delay."
            : "Too many requests right now; retry after the advised delay.";
        return WireErrors.WriteAsync(http, StatusCodes.Status429TooManyRequests, reason, message, retryAfter: retryAfter);
    }
}
