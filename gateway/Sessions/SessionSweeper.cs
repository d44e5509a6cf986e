using Gateway.Routing;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy;

namespace Gateway.Sessions;

/// <summary>
/// The instance's once-a-second pass over its sessions (SignalR's connection manager idea): it aborts sessions stuck
/// writing to a client that stopped reading, closes sessions whose route or transport an operator just changed or
/// switched off and those whose token expired, samples queue depth and closes unused topics. Heartbeats and long-poll
/// deadlines come from the shared <see cref="TimerWheel"/>; an idle session has no timer of its own.
/// </summary>
internal sealed partial class SessionSweeper(
    SessionRegistry registry,
    TopicRegistry topics,
    IProxyStateLookup proxyState,
    PushRouteTable routes,
    IOptionsMonitor<PushOptions> options,
    SessionServices services,
    TimeProvider time,
    ILogger<SessionSweeper> logger) : BackgroundService
{
    private readonly Dictionary<(string, string), (long Max, long Sum)> _depth = [];

    public static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    /// <summary>A write blocked this long while the session is over its queue capacity marks a slow consumer.</summary>
    public static readonly TimeSpan SlowWrite = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    Sweep();
                    await topics.SweepAsync();
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.SweepFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    internal void Sweep()
    {
        var push = options.CurrentValue;
        var disabled = new HashSet<TransportKind>();
        foreach (var name in push.DisabledTransports)
        {
            if (TransportNames.TryParse(name, out var kind))
            {
                disabled.Add(kind);
            }
        }

        foreach (var key in _depth.Keys.ToList())
        {
            _depth[key] = (0, 0);
        }

        foreach (var session in registry.Sessions)
        {
            if (session.RequestedClose is not null)
            {
                // Asked to close but stuck writing to a client that stopped reading: the goodbye cannot go out; cut it.
                if (session.InWrite && session.WriteElapsed > WriteTimeout(session))
                {
                    session.Abort(CloseReason.Timeout);
                }

                continue;
            }

            // Hot reload: compare with the route YARP runs now.
            if (proxyState.TryGetRoute(session.Route.RouteId, out var model) && !ReferenceEquals(model.Config, session.RouteConfig))
            {
                var current = routes.Get(model.Config);
                if (current is null || !current.IsStream)
                {
                    session.RequestClose(CloseReason.RouteRemoved, services.RetryAdvice());
                    continue;
                }

                session.Route = current;
                session.RouteConfig = model.Config;
            }
            else if (model is null)
            {
                session.RequestClose(CloseReason.RouteRemoved, services.RetryAdvice());
                continue;
            }

            if (!session.Route.Allows(session.Transport) || disabled.Contains(session.Transport))
            {
                session.RequestClose(CloseReason.TransportDisabled, services.RetryAdvice());
                continue;
            }

            if (session.Mode != SessionMode.Stream)
            {
                continue;
            }

            if (session.TokenExpiry is { } expiry && time.GetUtcNow() >= expiry)
            {
                session.RequestClose(CloseReason.TokenExpired, services.RetryAdvice());
                continue;
            }

            var lag = session.Lag;
            var key = (session.Route.RouteId, session.Transport.Name());
            var (max, sum) = _depth.TryGetValue(key, out var d) ? d : (0, 0);
            _depth[key] = (Math.Max(max, lag), sum + lag);

            if (session.InWrite)
            {
                // A client that stopped reading blocks its write while the shared buffer moves on without it. A session
                // merely catching up writes quickly, however far behind it is, so only a blocked write counts.
                if (lag > session.Route.QueueCapacity && session.WriteElapsed >= SlowWrite && session.Route.SlowConsumer == SlowConsumerPolicy.Disconnect)
                {
                    session.Abort(CloseReason.SlowConsumer);
                    continue;
                }

                if (session.WriteElapsed > WriteTimeout(session))
                {
                    session.Abort(CloseReason.Timeout);
                    continue;
                }
            }
        }

        foreach (var ((route, transport), (max, sum)) in _depth)
        {
            services.Metrics.QueueDepth.WithLabels(route, transport).Set(max);
            services.Metrics.QueuedEvents.WithLabels(route, transport).Set(sum);
        }
    }

    private TimeSpan WriteTimeout(PushSession session) =>
        session.Route.Heartbeat * 2 > options.CurrentValue.WriteTimeout ? session.Route.Heartbeat * 2 : options.CurrentValue.WriteTimeout;

    private static partial class Log
    {
        [LoggerMessage(2100, LogLevel.Error, "Session sweep failed")]
        public static partial void SweepFailed(ILogger logger, Exception ex);
    }
}
