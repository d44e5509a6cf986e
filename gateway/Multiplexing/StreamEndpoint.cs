using System.Collections.Frozen;
using Gateway.Edge.RateLimits;
using Gateway.Lifecycle;
using Gateway.Push;
using Gateway.Routing;
using Gateway.Sessions;
using Gateway.Transports;
using Gateway.Transports.Sse;
using Gateway.Transports.WebSockets;

namespace Gateway.Multiplexing;

/// <summary>
/// <c>GET /_gateway/stream</c>: one connection (or one poll) carrying many subscriptions (docs/protocol.md "One connection,
/// many subscriptions"). The connection-wide checks happen here (transport, drain, rate, Origin, the limits of the
/// request); each subscription is then resolved and authorized on its own, and a refusal is an error for its path.
/// </summary>
internal sealed class StreamEndpoint(
    StreamServices services,
    IEnumerable<IPushTransport> transports,
    DrainCoordinator drain,
    EdgeRateLimiter limiter,
    RateLimitRejection rejection,
    Microsoft.Extensions.Options.IOptionsMonitor<Edge.LimitOptions> limits,
    StreamPolls polls)
{
    public const string Path = "/_gateway/stream";

    /// <summary>The route label of the stream's own limits (its subscriptions count under their routes).</summary>
    public const string RouteLabel = "_stream";

    private readonly FrozenDictionary<TransportKind, IPushTransport> _transports = transports.ToFrozenDictionary(t => t.Kind);

    public async Task HandleAsync(HttpContext http)
    {
        http.Items[PushContext.HandledItem] = true;
        switch (TransportSelector.Select(http, out var kind))
        {
            case TransportSelection.None:
                await WireErrors.WriteAsync(http, 400, "transport_required", "Pick a transport: a WebSocket upgrade, Accept: text/event-stream, or ?transport=longpolling|polling.");
                return;
            case TransportSelection.Unknown:
                await WireErrors.WriteAsync(http, 400, "unknown_transport", "Unknown transport.");
                return;
            case TransportSelection.NotAnUpgrade:
                await WireErrors.WriteAsync(http, 400, "websocket_upgrade_required", "transport=websocket needs a WebSocket upgrade request.");
                return;
        }

        var transport = _transports[kind];
        var push = services.Push;
        if (push.DisabledTransports.Any(d => TransportNames.TryParse(d, out var off) && off == kind))
        {
            await WireErrors.WriteAsync(http, 400, "transport_not_allowed", $"Transport '{kind.Name()}' is switched off.");
            return;
        }

        // Subscriptions named in the URL (SSE, polls) and the composite cursor are checked before anything is opened.
        var paths = StreamRequest.Paths(http, services.Limits.MaxSubscriptions);
        if (paths is null)
        {
            services.Resolver.Refuse("none", new SubscriptionRefusal("too_many_subscriptions", 400, string.Empty));
            await WireErrors.WriteAsync(http, 400, "too_many_subscriptions", $"A stream carries at most {services.Limits.MaxSubscriptions} subscriptions (Gateway:Multiplex:MaxSubscriptions).");
            return;
        }

        var cursor = StreamRequest.CursorText(http);
        if (cursor is not null && cursor.Length > services.Limits.MaxCursorLength)
        {
            await WireErrors.WriteAsync(http, 400, "cursor_too_long", $"A composite cursor is at most {services.Limits.MaxCursorLength} characters (Gateway:Multiplex:MaxCursorLength).");
            return;
        }

        if (kind != TransportKind.WebSocket && paths.Count == 0)
        {
            await WireErrors.WriteAsync(http, 400, "subscriptions_required", "Name the subscriptions with ?subscribe=/path (repeated).");
            return;
        }

        var isStream = transport.Mode == SessionMode.Stream;
        if (drain.IsDraining)
        {
            await transport.RejectAsync(http, 503, "draining", isStream ? drain.RetryAfter() : TimeSpan.FromSeconds(1));
            return;
        }

        var clientKey = Edge.ClientKey.Of(http, limits.CurrentValue.TrustedProxies);
        using var lease = limiter.Acquire(new LimitRequest(isStream ? LimitPolicy.Connect : LimitPolicy.Poll, clientKey, RouteLabel));
        if (!lease.IsAcquired)
        {
            await rejection.WriteAsync(http, lease);
            return;
        }

        if (isStream && !OriginPolicy.IsAllowed(http, push, kind == TransportKind.WebSocket || OriginPolicy.IsCredentialed(http)))
        {
            await WireErrors.WriteAsync(http, 403, "origin_not_allowed", "This Origin may not open push connections.");
            return;
        }

        if (!isStream)
        {
            await polls.HandleAsync(http, transport, paths, cursor);
            return;
        }

        var connection = new StreamConnection(services, http, kind);
        if (kind == TransportKind.WebSocket)
        {
            await using var wire = await ((WebSocketTransport)transport).OpenMultiplexedAsync(http, push, connection, connection.Attach);
            var reason = await connection.RunAsync();
            await wire.CompleteAsync(reason);
            return;
        }

        await RunSseAsync(http, connection, paths, cursor);
    }

    private async Task RunSseAsync(HttpContext http, StreamConnection connection, List<string> paths, string? cursor)
    {
        // Resolved before the stream opens, so each subscription's refusal can follow the opening lines.
        var targets = new List<SubscriptionTarget>(paths.Count);
        foreach (var path in paths)
        {
            targets.Add(await services.Resolver.ResolveAsync(http, path, TransportKind.Sse));
        }

        await using var wire = await MultiplexedSseWire.OpenAsync(http, services.Push, services.Time);
        if (wire is null)
        {
            return;
        }

        connection.Attach(wire);
        connection.DeferStarts();
        var cursors = StreamRequest.CursorsFor(paths, cursor, services.Limits.MaxCursorLength);
        var subscribed = new List<(string, Cursor)>(paths.Count);
        var refused = new List<(string, SubscriptionRefusal)>();
        for (var i = 0; i < paths.Count; i++)
        {
            var (refusal, start) = targets[i].Refusal is { } r ? (r, default) : await connection.TrySubscribeAsync(paths[i], cursors[paths[i]], targets[i], http.RequestAborted);
            if (refusal is null)
            {
                subscribed.Add((paths[i], start));
            }
            else
            {
                refused.Add((paths[i], refusal));
            }
        }

        try
        {
            await wire.WriteSubscribedAsync(subscribed, http.RequestAborted);
            foreach (var (path, refusal) in refused)
            {
                await wire.WriteRefusedAsync(path, refusal, http.RequestAborted);
            }
        }
        catch (OperationCanceledException)
        {
            // The client left while the stream opened; the connection below ends at once.
        }

        connection.StartDeferred();
        await connection.RunAsync();
    }
}
