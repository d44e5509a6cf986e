using Gateway.Push;
using Gateway.Routing;
using Gateway.Sessions;
using Microsoft.Extensions.Options;

namespace Gateway.Multiplexing;

/// <summary>What every multiplexed connection uses, gathered once so a connection takes one reference, not ten.</summary>
internal sealed class StreamServices(
    SubscriptionResolver resolver,
    PushAdmission admission,
    SessionHost sessions,
    WatchAcquisition watches,
    UpstreamEndpoint upstream,
    IOptionsMonitor<PushOptions> push,
    IOptionsMonitor<MultiplexOptions> limits,
    Observability.GatewayMetrics metrics)
{
    public SubscriptionResolver Resolver => resolver;

    public PushAdmission Admission => admission;

    public SessionHost Sessions => sessions;

    public WatchAcquisition Watches => watches;

    public UpstreamEndpoint Upstream => upstream;

    public PushOptions Push => push.CurrentValue;

    public MultiplexOptions Limits => limits.CurrentValue;

    public Observability.GatewayMetrics Metrics => metrics;

    public TimeProvider Time => sessions.Services.Time;
}
