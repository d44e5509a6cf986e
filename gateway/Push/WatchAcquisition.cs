using Gateway.Routing;
using Gateway.Watch;

namespace Gateway.Push;

/// <summary>A watched route's resource is polled while anyone, on any transport, is subscribed to it: this takes that hold.</summary>
internal sealed class WatchAcquisition(WatchRegistry watches)
{
    /// <summary>The hold on the request's watch (none when the route watches nothing); dispose when the session ends.</summary>
    public IDisposable? Acquire(PushContext context) =>
        watches.Acquire(context.Route, context.Subject, context.RouteValue);
}
