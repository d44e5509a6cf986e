using Gateway.Lifecycle;
using Gateway.Routing;
using Gateway.Sessions;

namespace Gateway.Push;

/// <summary>
/// Decides whether a new push connection, negotiation or poll may start now: drain and the caps on open sessions. Rates
/// were checked before, by the rate-limiting middleware's policies (docs/security.md).
/// </summary>
internal sealed class PushAdmission(
    DrainCoordinator drain,
    SessionRegistry sessions,
    Microsoft.Extensions.Options.IOptionsMonitor<Edge.LimitOptions> limits,
    Observability.GatewayMetrics metrics)
{
    public Admission Admit(PushContext context, bool isPoll)
    {
        var route = context.Route.RouteId;
        if (drain.IsDraining)
        {
            metrics.ConnectsRejected.WithLabels(route, "draining").Inc();

            // A poll costs the next instance almost nothing: come back at once (through the front, to another instance).
            return new Admission(StatusCodes.Status503ServiceUnavailable, "draining", isPoll ? TimeSpan.FromSeconds(1) : drain.RetryAfter());
        }

        var options = limits.CurrentValue;
        context.ClientKey ??= Edge.ClientKey.Of(context.Http, options.TrustedProxies);
        if (!isPoll && sessions.StreamCount >= options.MaxSessions)
        {
            metrics.ConnectsRejected.WithLabels(route, "instance_sessions").Inc();
            return new Admission(StatusCodes.Status503ServiceUnavailable, "too_many_sessions", TimeSpan.FromSeconds(5));
        }

        if (!isPoll && sessions.CountForClient(context.ClientKey) >= options.MaxSessionsPerClient)
        {
            metrics.ConnectsRejected.WithLabels(route, "client_sessions").Inc();
            return new Admission(StatusCodes.Status429TooManyRequests, "too_many_client_sessions", TimeSpan.FromSeconds(10));
        }

        if (!isPoll && context.Route.MaxSessions is { } max && sessions.CountForRoute(route) >= max)
        {
            metrics.ConnectsRejected.WithLabels(route, "route_sessions").Inc();
            return new Admission(StatusCodes.Status503ServiceUnavailable, "too_many_sessions", TimeSpan.FromSeconds(5));
        }

        return Admission.Allowed;
    }
}

internal readonly record struct Admission(int Status, string? Reason, TimeSpan RetryAfter)
{
    public static readonly Admission Allowed = new(0, null, TimeSpan.Zero);

    public bool IsAllowed => Reason is null;
}
