using Gateway.Routing;
using Gateway.Sessions;
using Microsoft.Extensions.Options;

namespace Gateway.Push.PollAdvice;

/// <summary>
/// The instance's load from two signals it already has: sessions and polls in flight against
/// <c>Gateway:Limits:MaxSessions</c>, and work waiting in the thread pool against <c>Gateway:Push:PollLoadQueueLength</c>
/// (a queue is the first sign of CPU saturation on a server that does nothing but I/O and JSON). The larger wins.
/// </summary>
internal sealed class InstanceLoad(SessionRegistry sessions, IOptionsMonitor<Edge.LimitOptions> limits, IOptionsMonitor<PushOptions> push) : IInstanceLoad
{
    public double Current
    {
        get
        {
            var inFlight = (double)sessions.Count / Math.Max(1, limits.CurrentValue.MaxSessions);
            var queued = (double)ThreadPool.PendingWorkItemCount / push.CurrentValue.PollLoadQueueLength;
            return Math.Clamp(Math.Max(inFlight, queued), 0, 1);
        }
    }
}
