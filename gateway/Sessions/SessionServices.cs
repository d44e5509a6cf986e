using Gateway.Routing;
using Microsoft.Extensions.Options;

namespace Gateway.Sessions;

/// <summary>What every session needs from the host, bundled so a session costs one reference, not five.</summary>
internal sealed class SessionServices(Observability.GatewayMetrics metrics, TimeProvider time, IOptionsMonitor<PushOptions> push) : IDisposable
{
    /// <summary>A quarter second: heartbeats and long-poll deadlines are at most this late, never early.</summary>
    public static readonly TimeSpan WheelTick = TimeSpan.FromMilliseconds(250);

    public Observability.GatewayMetrics Metrics { get; } = metrics;

    public TimeProvider Time { get; } = time;

    public IOptionsMonitor<PushOptions> Push { get; } = push;

    /// <summary>The one timer of every session's heartbeat and long-poll deadline.</summary>
    public TimerWheel Wheel { get; } = new(time, WheelTick);

    public void Dispose() => Wheel.Dispose();

    /// <summary>Reconnect advice with full jitter around the configured delay, so clients told together do not return together.</summary>
    public TimeSpan RetryAdvice()
    {
        var baseDelay = Push.CurrentValue.ReconnectDelay;
        return TimeSpan.FromMilliseconds(baseDelay.TotalMilliseconds * (0.5 + Random.Shared.NextDouble()));
    }
}
