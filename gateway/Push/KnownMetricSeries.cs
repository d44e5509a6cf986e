using Gateway.Routing;
using Gateway.Sessions;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Push;

/// <summary>
/// Creates, at 0, every labelled series whose label values are known from configuration, when a proxy configuration is
/// applied (start-up and every reload): a dashboard shows 0 instead of "no data" and <c>rate()</c> sees the first
/// increment (docs/metrics.md, "Series that exist from the start"). Label values that only the traffic knows (status
/// codes, methods, fallback pairs) still appear on first use. Series of a removed route stay until restart, as
/// Prometheus clients do.
/// </summary>
internal sealed class KnownMetricSeries(Observability.GatewayMetrics metrics, IServiceProvider services, PushRouteTable pushRoutes, EdgeSettingsTable edgeRoutes) : IConfigChangeListener
{
    /// <summary>Why a push connection, negotiation or poll was refused before the rate limiters (the limiters' own are added).</summary>
    internal static readonly string[] AdmissionReasons = ["draining", "instance_sessions", "client_sessions", "route_sessions", "origin", "broker_unavailable"];

    internal static readonly string[] DropReasons = ["drop_oldest", "reset"];

    internal static readonly string[] UpstreamResults = ["published", "invalid", "not_allowed", "rate_limited", "broker_unavailable", "origin_not_allowed", "unsupported_media_type"];

    internal static readonly string[] WatchResults = ["changed", "unchanged", "not_modified", "announced", "deferred", "superseded", "gone", "backend_error", "error"];

    /// <summary>Why a subscription on a multiplexed stream was refused (Multiplexing/SubscriptionResolver).</summary>
    internal static readonly string[] SubscriptionRefusals = ["invalid_route_value", "transport_not_allowed", "unauthorized", "forbidden"];

    internal static readonly string[] IdempotencyResults = ["proxied", "replayed", "key_reused", "in_flight", "invalid_key", "too_large", "not_stored", "taken_over", "store_unavailable"];

    private static readonly string[] CloseReasons = [.. Enum.GetValues<CloseReason>().Select(r => r.Name()).Distinct()];

    private static readonly string[] RateLimitReasons =
        [.. (from p in Enum.GetValues<Edge.RateLimits.LimitPolicy>()
             where p != Edge.RateLimits.LimitPolicy.Publish
             from s in Enum.GetValues<Edge.RateLimits.LimitScope>()
             select Edge.RateLimits.EdgeRateLimiter.ReasonOf(p, s)).Distinct()];

    public void ConfigurationApplied(IReadOnlyList<IProxyConfig> proxyConfigs)
    {
        // The routes YARP runs with (after the config filters), not the providers' raw ones: the push and edge tables are
        // keyed by those instances.
        var lookup = services.GetService<IProxyStateLookup>();
        if (lookup is null)
        {
            return;
        }

        foreach (var model in lookup.GetRoutes())
        {
            Initialise(model.Config);
        }
    }

    public void ConfigurationApplyingFailed(IReadOnlyList<IProxyConfig> proxyConfigs, Exception exception)
    {
    }

    public void ConfigurationLoaded(IReadOnlyList<IProxyConfig> proxyConfigs)
    {
    }

    public void ConfigurationLoadingFailed(IProxyConfigProvider configProvider, Exception exception)
    {
    }

    private void Initialise(RouteConfig config)
    {
        var id = config.RouteId;
        if (config.ClusterId is { } cluster)
        {
            metrics.ProxyDuration.WithLabels(id, cluster);
        }

        if (Edge.EdgeRoute.Of(config).ETags)
        {
            metrics.EdgeNotModified.WithLabels(id, "edge");
        }

        if (edgeRoutes.Get(config) is { Idempotency: true })
        {
            foreach (var result in IdempotencyResults)
            {
                metrics.IdempotentWrites.WithLabels(id, result);
            }
        }

        if (pushRoutes.Get(config) is not { } route)
        {
            return;
        }

        if (route.Notify is not null)
        {
            metrics.EdgeNotModified.WithLabels(id, "cache");
        }

        if (route.Upstream is not null)
        {
            foreach (var result in UpstreamResults)
            {
                metrics.UpstreamMessages.WithLabels(id, result);
            }
        }

        if (route.WatchPath is not null)
        {
            foreach (var result in WatchResults)
            {
                metrics.WatchPolls.WithLabels(id, result);
            }
        }

        if (!route.IsStream)
        {
            return;
        }

        metrics.SubscriptionsActive.WithLabels(id);
        foreach (var reason in SubscriptionRefusals)
        {
            metrics.SubscriptionsRefused.WithLabels(id, reason);
        }

        if (route.Presence is not null)
        {
            metrics.PresenceMembers.WithLabels(id);
            metrics.PresenceUntracked.WithLabels(id);
            foreach (var result in (string[])["written", "reaped", "failed"])
            {
                metrics.PresenceWrites.WithLabels(id, result);
            }

            foreach (var type in (string[])["join", "leave"])
            {
                foreach (var result in (string[])["published", "failed", "dropped"])
                {
                    metrics.PresenceEvents.WithLabels(id, type, result);
                }
            }
        }

        foreach (var reason in AdmissionReasons.Concat(RateLimitReasons))
        {
            metrics.ConnectsRejected.WithLabels(id, reason);
        }

        metrics.Negotiations.WithLabels(id, "none");
        foreach (var kind in route.Transports)
        {
            var transport = kind.Name();
            metrics.Negotiations.WithLabels(id, transport);
            metrics.SessionsActive.WithLabels(id, transport);
            metrics.SessionsStarted.WithLabels(id, transport);
            metrics.EventsDelivered.WithLabels(id, transport);
            metrics.DeliveryLag.WithLabels(id, transport);
            metrics.QueueDepth.WithLabels(id, transport);
            metrics.QueuedEvents.WithLabels(id, transport);
            foreach (var reason in DropReasons)
            {
                metrics.EventsDropped.WithLabels(id, transport, reason);
            }

            foreach (var reason in CloseReasons)
            {
                metrics.SessionsClosed.WithLabels(id, transport, reason);
            }
        }

        if (route.AdaptivePoll is not null)
        {
            metrics.PollIntervals.WithLabels(id);
        }
    }
}
