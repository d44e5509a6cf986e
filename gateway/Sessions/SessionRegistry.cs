using System.Collections.Concurrent;
using Gateway.Routing;

namespace Gateway.Sessions;

/// <summary>Every open session of this instance: for the sweep, hot reload, drain and per-route limits.</summary>
internal sealed class SessionRegistry(Observability.GatewayMetrics metrics, TimeProvider time)
{
    private readonly ConcurrentDictionary<long, PushSession> _sessions = new();
    private readonly ConcurrentDictionary<string, int> _perRoute = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _perClient = new(StringComparer.Ordinal);

    private int _streams;

    public int Count => _sessions.Count;

    /// <summary>Open streaming sessions (WebSocket, SSE): what the instance cap counts; polls come and go.</summary>
    public int StreamCount => Volatile.Read(ref _streams);

    public ICollection<PushSession> Sessions => _sessions.Values;

    public int CountForRoute(string routeId) => _perRoute.TryGetValue(routeId, out var n) ? n : 0;

    public int CountForClient(string clientKey) => _perClient.TryGetValue(clientKey, out var n) ? n : 0;

    public long Register(PushSession session)
    {
        _sessions[session.Id] = session;
        _perRoute.AddOrUpdate(session.Route.RouteId, 1, static (_, n) => n + 1);
        if (session.ClientKey is { } key)
        {
            _perClient.AddOrUpdate(key, 1, static (_, n) => n + 1);
        }

        var transport = session.Transport.Name();
        if (session.Mode == SessionMode.Stream)
        {
            Interlocked.Increment(ref _streams);
            metrics.SessionsStarted.WithLabels(session.Route.RouteId, transport).Inc();
            metrics.SessionsActive.WithLabels(session.Route.RouteId, transport).Inc();
        }

        return time.GetTimestamp();
    }

    public void Unregister(PushSession session, long startedAt, CloseReason reason)
    {
        if (!_sessions.TryRemove(session.Id, out _))
        {
            return;
        }

        _perRoute.AddOrUpdate(session.Route.RouteId, 0, static (_, n) => Math.Max(0, n - 1));
        if (session.ClientKey is { } key)
        {
            // Entries leave with a client's last session, so the map follows the number of connected clients.
            if (_perClient.AddOrUpdate(key, 0, static (_, n) => Math.Max(0, n - 1)) == 0)
            {
                _perClient.TryRemove(new KeyValuePair<string, int>(key, 0));
            }
        }
        if (session.Mode != SessionMode.Stream)
        {
            return;
        }

        Interlocked.Decrement(ref _streams);
        var transport = session.Transport.Name();
        var route = session.Route.RouteId;
        metrics.SessionsActive.WithLabels(route, transport).Dec();
        metrics.SessionsClosed.WithLabels(route, transport, reason.Name()).Inc();
        metrics.SessionDuration.WithLabels(route, transport, reason.Name()).Observe(time.GetElapsedTime(startedAt).TotalSeconds);
    }
}
