using Gateway.Push;
using Gateway.Routing;
using Gateway.Transports;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.Options;

namespace Gateway.Multiplexing;

/// <summary>
/// Turns one subscription's path into a push request as if it had come on its own: the push route a single-route request
/// for the path would reach, the subject its route values make, the transport flags of that route, the route's
/// authorization policy and <c>Push.RequireClaim</c>. Every refusal is for that path only.
/// </summary>
internal sealed class SubscriptionResolver(
    PushPathResolver paths,
    IAuthorizationPolicyProvider policies,
    IPolicyEvaluator evaluator,
    IOptionsMonitor<PushOptions> options,
    Observability.GatewayMetrics metrics)
{
    public async ValueTask<SubscriptionTarget> ResolveAsync(HttpContext http, string path, TransportKind? transport)
    {
        var resolved = paths.Resolve(path, http.Request.Host);
        if (resolved is null)
        {
            return Refuse("none", new SubscriptionRefusal("not_found", 404, "No push route serves this path."));
        }

        var route = resolved.Route;
        if (!route.Subject!.TryFill(resolved.Value, out var subject, out var bad))
        {
            return Refuse(route.RouteId, new SubscriptionRefusal("invalid_route_value", 400, $"Route value '{bad}' must match ^[A-Za-z0-9_-]{{1,128}}$ to become part of a subject."));
        }

        var allowed = TransportOffer.Of(route, options.CurrentValue);
        if (transport is { } kind && !allowed.Contains(kind.Name()))
        {
            return Refuse(route.RouteId, new SubscriptionRefusal("transport_not_allowed", 400, $"Transport '{kind.Name()}' is not allowed on this path's route.", allowed));
        }

        if (await AuthorizeAsync(http, resolved.Endpoint) is { } refused)
        {
            return Refuse(route.RouteId, refused);
        }

        if (route.RequireClaim is { } claim && !claim.Admits(http.User, resolved.Value))
        {
            return Refuse(route.RouteId, Unauthorized(http.User.Identity?.IsAuthenticated == true));
        }

        var context = new PushContext(http, route, resolved.Config, subject) { Values = resolved.Values };
        return new SubscriptionTarget(context, allowed, null);
    }

    public SubscriptionTarget Refuse(string routeId, SubscriptionRefusal refusal)
    {
        metrics.SubscriptionsRefused.WithLabels(routeId, refusal.Error).Inc();
        return new SubscriptionTarget(null, null, refusal);
    }

    /// <summary>The route's YARP <c>AuthorizationPolicy</c>, evaluated as the authorization middleware would for its own request.</summary>
    private async ValueTask<SubscriptionRefusal?> AuthorizeAsync(HttpContext http, Endpoint endpoint)
    {
        if (endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
        {
            return null;
        }

        var policy = await AuthorizationPolicy.CombineAsync(
            policies,
            endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>(),
            endpoint.Metadata.GetOrderedMetadata<AuthorizationPolicy>());
        if (policy is null)
        {
            return null;
        }

        var authenticated = await evaluator.AuthenticateAsync(policy, http);
        var result = await evaluator.AuthorizeAsync(policy, authenticated, http, http);
        return result.Succeeded ? null : Unauthorized(result.Forbidden);
    }

    private static SubscriptionRefusal Unauthorized(bool forbidden) => forbidden
        ? new SubscriptionRefusal("forbidden", 403, "The token does not grant access to this path.")
        : new SubscriptionRefusal("unauthorized", 401, "A valid bearer token is required for this path (Authorization header, or access_token).");
}

/// <summary>A resolved subscription (its push context and the transports its route offers), or why it was refused.</summary>
internal readonly record struct SubscriptionTarget(PushContext? Context, List<string>? Transports, SubscriptionRefusal? Refusal);
