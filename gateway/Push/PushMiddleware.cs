using System.Collections.Frozen;
using Gateway.Broker;
using Gateway.Presence;
using Gateway.Push.Upstream;
using Gateway.Routing;
using Gateway.Sessions;
using Gateway.Transports;
using Gateway.Transports.Polling;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Model;

namespace Gateway.Push;

/// <summary>
/// The endpoint of push routes. Push rides YARP's routing: YARP's endpoint matched the route, and this middleware
/// (between routing and the proxy endpoint) serves push requests on push routes and passes everything else on to the
/// proxy. It runs before the proxy pipeline rather than inside it because YARP answers 503 for a route without a
/// cluster before any pipeline middleware runs, and a push-only route (prices) has no backend.
/// It only composes: admission decides, the session host subscribes and runs the session, the transport opens the wire
/// and hands back its writer and end signal, the upstream publisher takes client messages, the watch acquisition holds
/// the route's watcher. Bad input ends here with a status and a JSON body.
/// </summary>
internal sealed class PushMiddleware(
    PushRouteTable routes,
    IEnumerable<IPushTransport> transports,
    NegotiateEndpoint negotiate,
    UpstreamEndpoint upstream,
    PushAdmission admission,
    SessionHost sessions,
    WatchAcquisition watches,
    PresenceEndpoint presence,
    PresenceTracker presenceTracker,
    PollAdvice.PollIntervalAdvisor pollAdvisor,
    IOptionsMonitor<PushOptions> options,
    Observability.GatewayMetrics metrics)
{
    private readonly FrozenDictionary<TransportKind, IPushTransport> _transports = transports.ToFrozenDictionary(t => t.Kind);

    /// <summary>
    /// Not async: a request on a route without push (plain REST) passes straight to <paramref name="next"/> without a state
    /// machine, and a push request's task is the handler's own, so a held connection keeps one state machine, not two.
    /// </summary>
    public Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        var model = http.GetEndpoint()?.Metadata.GetMetadata<RouteModel>();
        var route = routes.Get(model?.Config);
        return route is null || !route.IsStream ? next(http) : InvokeStreamAsync(http, route, model!.Config, next);
    }

    private Task InvokeStreamAsync(HttpContext http, PushRoute route, Yarp.ReverseProxy.Configuration.RouteConfig config, RequestDelegate next)
    {
        var operation = http.GetRouteValue(PushConfigFilter.OperationRouteValue) as string ?? string.Empty;
        if (operation.Length > 0 && operation != "negotiate" && operation != "presence")
        {
            return Handled(http, WireErrors.WriteAsync(http, 404, "not_found", $"No push operation '{Truncate(operation)}' on this route; use the stream path, '/negotiate' or '/presence'."));
        }

        if (!route.Subject!.TryFill(name => http.GetRouteValue(name)?.ToString(), out var subject, out var bad))
        {
            return Handled(http, WireErrors.WriteAsync(http, 400, "invalid_route_value",
                $"Route value '{bad}' must match ^[A-Za-z0-9_-]{{1,128}}$ to become part of a subject."));
        }

        // Per-subject authorization, before negotiate, upstream publishes and every transport (docs/security.md).
        if (route.RequireClaim is { } claim && !claim.Admits(http.User, name => http.GetRouteValue(name)?.ToString()))
        {
            return Handled(http, Auth.AuthAnswers.RefuseAsync(http, forbidden: http.User.Identity?.IsAuthenticated == true));
        }

        var context = new PushContext(http, route, config, subject);
        if (operation == "negotiate")
        {
            return Handled(http, negotiate.HandleAsync(context));
        }

        if (operation == "presence")
        {
            return Handled(http, presence.HandleAsync(context));
        }

        if (HttpMethods.IsPost(http.Request.Method))
        {
            return Handled(http, upstream.HandleAsync(context));
        }

        if (!TransportSelector.IsSubscribe(http))
        {
            http.Response.Headers.Allow = "GET, POST";
            return Handled(http, WireErrors.WriteAsync(http, 405, "method_not_allowed", "A push stream takes GET (subscribe) or POST (publish upstream)."));
        }

        var allowed = TransportOffer.Of(route, options.CurrentValue);
        switch (TransportSelector.Select(http, out var kind))
        {
            case TransportSelection.None when route.ClusterId is not null:
                // Plain REST: the last link of the chain is the backend itself.
                return next(http);
            case TransportSelection.None:
                return Handled(http, WireErrors.WriteAsync(http, 400, "transport_required",
                    "Pick a transport: a WebSocket upgrade, Accept: text/event-stream, or ?transport=longpolling|polling.", allowed));
            case TransportSelection.Unknown:
                return Handled(http, WireErrors.WriteAsync(http, 400, "unknown_transport", "Unknown transport.", allowed));
            case TransportSelection.NotAnUpgrade:
                return Handled(http, WireErrors.WriteAsync(http, 400, "websocket_upgrade_required", "transport=websocket needs a WebSocket upgrade request.", allowed));
        }

        if (!allowed.Contains(kind.Name()))
        {
            return Handled(http, WireErrors.WriteAsync(http, 400, "transport_not_allowed", $"Transport '{kind.Name()}' is not allowed on this route.", allowed));
        }

        if ((kind == TransportKind.WebSocket || kind == TransportKind.Sse) &&
            !OriginPolicy.IsAllowed(http, options.CurrentValue, kind == TransportKind.WebSocket || OriginPolicy.IsCredentialed(http)))
        {
            metrics.ConnectsRejected.WithLabels(route.RouteId, "origin").Inc();
            return Handled(http, WireErrors.WriteAsync(http, 403, "origin_not_allowed", "This Origin may not open push connections."));
        }

        SessionPeer? peer = null;
        if (route.Presence is not null && !PresencePeer.TryResolve(http, out peer))
        {
            return Handled(http, WireErrors.WriteAsync(http, 400, "invalid_client_id", $"{PresencePeer.Query} (or {PresencePeer.Header}) must match ^[A-Za-z0-9_-]{{1,64}}$."));
        }

        return Handled(http, RunAsync(context, _transports[kind], peer));
    }

    private static string Truncate(string s) => s.Length > 64 ? s[..64] : s;

    private static Task Handled(HttpContext http, Task work)
    {
        http.Items[PushContext.HandledItem] = true;
        return work;
    }

    /// <summary>Admission, subscription, the wire, the session, the wire's end: one session from start to finish.</summary>
    private async Task RunAsync(PushContext context, IPushTransport transport, SessionPeer? peer)
    {
        var http = context.Http;
        var isStream = transport.Mode == SessionMode.Stream;
        var admitted = admission.Admit(context, isPoll: !isStream);
        if (!admitted.IsAllowed)
        {
            await transport.RejectAsync(http, admitted.Status, admitted.Reason!, admitted.RetryAfter);
            return;
        }

        FallbackReport.Count(http, context.Route, transport.Kind, metrics);
        Subscription subscription;
        try
        {
            subscription = await sessions.SubscribeAsync(context.Subject, http.RequestAborted);
        }
        catch (BrokerUnavailableException)
        {
            metrics.ConnectsRejected.WithLabels(context.Route.RouteId, "broker_unavailable").Inc();
            await transport.RejectAsync(http, 503, "broker_unavailable", sessions.Services.RetryAdvice());
            return;
        }

        using (subscription)
        {
            var pollInterval = transport.Kind == TransportKind.Polling
                ? pollAdvisor.Advise(context.Route, context.Subject, subscription.Topic.Appended)
                : context.Route.PollInterval;
            if (transport.Kind == TransportKind.Polling && PollingTransport.TryAnswerNotModified(http, subscription.Head.ToString(), pollInterval))
            {
                // No session for a 304, but the poller is still in the room.
                if (peer is not null)
                {
                    presenceTracker.Touch(context.Route, context.Subject, peer, PresenceSessionObserver.Linger(context.Route, transport.Kind));
                }

                return;
            }

            using var watch = watches.Acquire(context);
            var push = options.CurrentValue;
            var messages = transport.Kind == TransportKind.WebSocket ? upstream.ForWebSocket(context, sessions.Services.Time) : NoClientMessages.Instance;
            await using var connection = await transport.OpenAsync(new TransportOpening(http, context.Route, push, messages, pollInterval));
            if (connection is null)
            {
                return;
            }

            var start = new SessionStart(
                context.Route,
                context.RouteConfig,
                context.Subject,
                transport.Mode,
                connection.Wait,
                isStream ? context.ClientKey : null,
                isStream ? context.TokenExpiry : null,
                peer);
            var reason = await sessions.RunAsync(subscription, start, context.CursorText, connection.Writer, connection.Abort, connection.Ended);
            await connection.CompleteAsync(reason);
        }
    }

    /// <summary>One-way wires carry no client messages.</summary>
    private sealed class NoClientMessages : IClientMessages
    {
        public static readonly NoClientMessages Instance = new();

        public ValueTask<ClientMessageResult> PublishAsync(string? eventType, ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
            ValueTask.FromResult(new ClientMessageResult("upstream_not_allowed", "This connection does not accept client messages."));
    }
}
