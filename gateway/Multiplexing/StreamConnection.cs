using Gateway.Broker;
using Gateway.Push.Upstream;
using Gateway.Routing;
using Gateway.Sessions;
using Gateway.Transports;

namespace Gateway.Multiplexing;

/// <summary>
/// One multiplexed stream (WebSocket or SSE): a set of subscriptions, each its own <see cref="PushSession"/> run by the
/// session host on a <see cref="PathWriter"/> of the connection's one wire. A subscription is resolved, authorized,
/// admitted, resumed and ended on its own; the connection only adds, removes and finally stops them.
/// </summary>
internal sealed class StreamConnection(StreamServices services, HttpContext http, TransportKind transport) : ISubscriptionMessages
{
    private readonly Dictionary<string, Active> _active = new(StringComparer.Ordinal);
    private List<Action>? _deferred;
    private readonly UpstreamBucket _subscribes = new(services.Limits.SubscribeRatePerSecond, services.Time);
    private MultiplexedWire? _wire;

    private MultiplexedWire Wire => _wire ?? throw new InvalidOperationException("The wire is not open yet.");

    public void Attach(MultiplexedWire wire) => _wire = wire;

    /// <summary>Subscribes to <paramref name="path"/>: answers <c>subscribed</c> and starts its session, or an error for that path.</summary>
    public async ValueTask<ClientMessageResult> SubscribeAsync(string path, string? cursor, CancellationToken cancellationToken)
    {
        var (refusal, _) = await TrySubscribeAsync(path, cursor, null, cancellationToken);
        if (refusal is not null)
        {
            await Wire.WriteRefusedAsync(path, refusal, cancellationToken);
        }

        return ClientMessageResult.Ok;
    }

    /// <summary>
    /// Holds the sessions of the subscriptions made from now on until <see cref="StartDeferred"/>: an SSE stream answers
    /// its whole set first (<c>gateway.subscribed</c>), then delivers.
    /// </summary>
    public void DeferStarts() => _deferred = [];

    public void StartDeferred()
    {
        var deferred = _deferred;
        _deferred = null;
        foreach (var start in deferred ?? [])
        {
            start();
        }
    }

    /// <summary>Subscribes; no refusal when the subscription runs (from the returned cursor), else why not (the caller tells the client).</summary>
    public async ValueTask<(SubscriptionRefusal? Refusal, Cursor Start)> TrySubscribeAsync(string path, string? cursorText, SubscriptionTarget? resolved, CancellationToken cancellationToken)
    {
        var limits = services.Limits;
        lock (_active)
        {
            if (_active.ContainsKey(path))
            {
                return (new SubscriptionRefusal("already_subscribed", 409, "This connection is already subscribed to this path."), default);
            }

            if (_active.Count >= limits.MaxSubscriptions)
            {
                return (services.Resolver.Refuse("none", new SubscriptionRefusal("too_many_subscriptions", 429,
                    $"A connection carries at most {limits.MaxSubscriptions} subscriptions (Gateway:Multiplex:MaxSubscriptions).")).Refusal, default);
            }
        }

        // The rate counts subscribes the count admits: a client at its limit is told so, not that it is too fast.
        if (transport == TransportKind.WebSocket && !_subscribes.TryTake())
        {
            return (services.Resolver.Refuse("none", new SubscriptionRefusal("rate_limited", 429, "Too many subscribes; slow down.", RetryAfter: TimeSpan.FromSeconds(1))).Refusal, default);
        }

        var target = resolved ?? await services.Resolver.ResolveAsync(http, path, transport);
        if (target.Refusal is not null)
        {
            return (target.Refusal, default);
        }

        var context = target.Context!;
        var admitted = services.Admission.Admit(context, isPoll: false);
        if (!admitted.IsAllowed)
        {
            return (services.Resolver.Refuse(context.Route.RouteId, new SubscriptionRefusal(admitted.Reason!, admitted.Status, "Subscription refused right now; retry after the advised delay.", RetryAfter: admitted.RetryAfter)).Refusal, default);
        }

        Subscription topic;
        try
        {
            topic = await services.Sessions.SubscribeAsync(context.Subject, cancellationToken);
        }
        catch (BrokerUnavailableException)
        {
            return (services.Resolver.Refuse(context.Route.RouteId, new SubscriptionRefusal("broker_unavailable", 503, "No change feed for this path right now; retry after the advised delay.", RetryAfter: services.Sessions.Services.RetryAdvice())).Refusal, default);
        }

        // The session starts where the client's cursor says; without one, at the subject's newest event, which the
        // subscribed answer and the composite cursor carry, so a drop before the first event still loses nothing.
        var start = Cursor.Parse(cursorText, out var parsed) switch
        {
            CursorParse.Absent => topic.Head,
            CursorParse.Valid => parsed,
            _ => new Cursor("malformed", 0),
        };

        var writer = Wire.ForPath(path, start);
        var active = new Active(writer, CancellationTokenSource.CreateLinkedTokenSource(Wire.Stopping.Token), context);
        lock (_active)
        {
            if (!_active.TryAdd(path, active))
            {
                topic.Dispose();
                active.Cancel.Dispose();
                return (new SubscriptionRefusal("already_subscribed", 409, "This connection is already subscribed to this path."), default);
            }
        }

        var answered = start.Epoch == "malformed" ? topic.Head : start;
        void Start() => active.Run = Task.Run(() => RunAsync(active, topic, start), CancellationToken.None);
        if (_deferred is { } deferred)
        {
            deferred.Add(Start);
            return (null, answered);
        }

        try
        {
            await Wire.WriteSubscribedAsync(writer, answered, cancellationToken);
        }
        finally
        {
            // Started after the answer, so the answer comes before the subscription's first event.
            Start();
        }

        return (null, answered);
    }

    public async ValueTask<ClientMessageResult> UnsubscribeAsync(string path, CancellationToken cancellationToken)
    {
        Active? active;
        lock (_active)
        {
            if (_active.Remove(path, out active))
            {
                active.Unsubscribed = true;
            }
        }

        if (active is null)
        {
            return new ClientMessageResult("not_subscribed", "This connection has no subscription to this path.");
        }

        await CancelAsync(active);
        if (active.Run is { } run)
        {
            await run;
        }

        Wire.Remove(path);
        await Wire.WriteUnsubscribedAsync(path, cancellationToken);
        return ClientMessageResult.Ok;
    }

    public ValueTask<ClientMessageResult> PublishAsync(string path, string? eventType, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        Active? active;
        lock (_active)
        {
            _active.TryGetValue(path, out active);
        }

        if (active is null)
        {
            return ValueTask.FromResult(new ClientMessageResult("not_subscribed", "Publish on a path this connection is subscribed to."));
        }

        active.Publisher ??= services.Upstream.ForWebSocket(active.Context, services.Time);
        return active.Publisher.PublishAsync(eventType, data, cancellationToken);
    }

    public ValueTask<ClientMessageResult> PublishAsync(string? eventType, ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new ClientMessageResult("missing_path", "A publish on a multiplexed stream needs a \"path\"."));

    /// <summary>Holds the connection until its wire stops (the client left, or the gateway closed it), then ends every subscription.</summary>
    public async Task<CloseReason> RunAsync()
    {
        var wire = Wire;
        var gauge = services.Metrics.MultiplexedConnections.WithLabels(transport.Name());
        gauge.Inc();
        try
        {
            var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await using (wire.Stopping.Token.UnsafeRegister(static s => ((TaskCompletionSource)s!).TrySetResult(), stopped))
            {
                await stopped.Task;
            }

            Active[] all;
            lock (_active)
            {
                all = [.. _active.Values];
                _active.Clear();
            }

            foreach (var a in all)
            {
                await CancelAsync(a);
            }

            foreach (var a in all)
            {
                if (a.Run is { } run)
                {
                    await run;
                }
            }

            return CloseReason.ClientClosed;
        }
        finally
        {
            gauge.Dec();
        }
    }

    private async Task RunAsync(Active active, Subscription topic, Cursor start)
    {
        var context = active.Context;
        var route = context.Route;
        var gauge = services.Metrics.SubscriptionsActive.WithLabels(route.RouteId);
        gauge.Inc();
        try
        {
            using (topic)
            {
                using var watch = services.Watches.Acquire(context);
                var session = new SessionStart(route, context.RouteConfig, context.Subject, SessionMode.Stream, TimeSpan.Zero, context.ClientKey, context.TokenExpiry);
                await services.Sessions.RunAsync(topic, session, start.ToString(), active.Writer, Wire.Abort, active.Cancel.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException or System.Net.WebSockets.WebSocketException)
        {
            // The wire went away under the session; the connection ends the rest.
        }
        finally
        {
            gauge.Dec();
            lock (_active)
            {
                // A subscription that ended on its own (reconnect advice for its path) leaves the set; the client may subscribe again.
                if (!active.Unsubscribed && _active.TryGetValue(active.Writer.Path, out var current) && ReferenceEquals(current, active))
                {
                    _active.Remove(active.Writer.Path);
                }
            }

            active.Cancel.Dispose();
        }
    }

    private static async Task CancelAsync(Active active)
    {
        try
        {
            await active.Cancel.CancelAsync();
        }
        catch (ObjectDisposedException)
        {
            // It ended on its own meanwhile.
        }
    }

    private sealed class Active(PathWriter writer, CancellationTokenSource cancel, PushContext context)
    {
        public PathWriter Writer => writer;

        public CancellationTokenSource Cancel => cancel;

        public PushContext Context => context;

        public Task? Run { get; set; }

        public bool Unsubscribed { get; set; }

        public IClientMessages? Publisher { get; set; }
    }
}
