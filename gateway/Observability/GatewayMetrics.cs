using Prometheus;

namespace Gateway.Observability;

/// <summary>
/// Every metric the gateway exports, in one place (SignalR's HttpConnectionsMetrics). The Grafana dashboard and the alert
/// rules are a contract with these names; a test checks that every name they query exists. Base units, <c>_total</c>
/// counters, labels limited to route ids from configuration, transport names and reason enums.
/// </summary>
internal sealed class GatewayMetrics
{
    private static readonly double[] DurationBuckets = [0.1, 0.5, 1, 5, 15, 30, 60, 300, 900, 3600, 14400];
    private static readonly double[] LagBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private static readonly double[] PollIntervalBuckets = [0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300];
    private static readonly double[] LatencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    public GatewayMetrics()
    {
        Registry = Metrics.NewCustomRegistry();
        var f = Metrics.WithCustomRegistry(Registry);

        SessionsActive = f.CreateGauge("gateway_sessions_active", "Push sessions open now.", "route", "transport");
        SessionsStarted = f.CreateCounter("gateway_sessions_started_total", "Push sessions started.", "route", "transport");
        SessionsClosed = f.CreateCounter("gateway_sessions_closed_total", "Push sessions ended, by close reason.", "route", "transport", "reason");
        SessionDuration = f.CreateHistogram("gateway_session_duration_seconds", "How long push sessions lasted, by close reason.",
            new HistogramConfiguration { LabelNames = ["route", "transport", "reason"], Buckets = DurationBuckets });
        EventsReceived = f.CreateCounter("gateway_events_received_total", "Events received from the broker (once per subject per instance).");
        EventsDelivered = f.CreateCounter("gateway_events_delivered_total", "Events written to clients.", "route", "transport");
        EventsDropped = f.CreateCounter("gateway_events_dropped_total", "Events a client did not get on its connection, by reason.", "route", "transport", "reason");
        QueueDepth = f.CreateGauge("gateway_session_queue_depth", "Events waiting for the slowest session of a route and transport (sampled each second).", "route", "transport");
        QueuedEvents = f.CreateGauge("gateway_session_queued_events", "Events waiting across all sessions of a route and transport (sampled each second).", "route", "transport");
        DeliveryLag = f.CreateHistogram("gateway_delivery_lag_seconds", "From publish to socket write.",
            new HistogramConfiguration { LabelNames = ["route", "transport"], Buckets = LagBuckets });
        Negotiations = f.CreateCounter("gateway_negotiations_total", "Negotiate requests answered, by the first transport offered.", "route", "transport");
        Fallbacks = f.CreateCounter("gateway_fallbacks_total", "Clients that fell back from one transport to another, by reason they reported.", "route", "from", "to", "reason");
        ConnectsRejected = f.CreateCounter("gateway_reconnects_rejected_total", "New push connections, negotiations and polls refused, by reason.", "route", "reason");
        RateLimited = f.CreateCounter("gateway_rate_limited_total", "Requests and client messages refused by the rate-limiter policies, by policy and the link of the chain that refused.", "policy", "scope");
        foreach (var policy in (string[])["connect", "negotiate", "poll", "publish"])
        {
            foreach (var scope in (string[])["client", "route", "global", "client_in_flight"])
            {
                RateLimited.WithLabels(policy, scope);
            }
        }

        ClientRequestsInFlight = f.CreateGauge("gateway_client_requests_in_flight", "Polls and negotiations in flight, under the per-client caps.", "policy");
        ClientRequestsInFlight.WithLabels("poll");
        ClientRequestsInFlight.WithLabels("negotiate");

        SubscriptionsActive = f.CreateGauge("gateway_subscriptions_active", "Subscriptions open now on multiplexed streams, by route.", "route");
        SubscriptionsRefused = f.CreateCounter("gateway_subscriptions_refused_total", "Subscriptions on multiplexed streams refused, by route (none: no push route has the path) and reason.", "route", "reason");
        MultiplexedConnections = f.CreateGauge("gateway_multiplexed_connections_active", "Multiplexed stream connections open now (WebSocket, SSE), by transport.", "transport");
        foreach (var transport in (string[])["websocket", "sse"])
        {
            MultiplexedConnections.WithLabels(transport);
        }

        UpstreamMessages = f.CreateCounter("gateway_upstream_messages_total", "Client-to-server messages, by result.", "route", "result");
        Published = f.CreateCounter("gateway_published_total", "Events the gateway published itself, by source.", "source", "result");

        BrokerConnected = f.CreateGauge("gateway_broker_connected", "1 while the broker connection is open.");
        BrokerConnects = f.CreateCounter("gateway_broker_connects_total", "Broker connections opened (the first and every reconnect).");
        BrokerReconnectFailures = f.CreateCounter("gateway_broker_reconnect_failures_total", "Failed broker reconnect attempts.");
        StreamUpdatesRefused = f.CreateCounter("gateway_broker_stream_updates_refused_total", "Changes of the JetStream stream's settings the server refused.");
        BrokerSubscriptions = f.CreateGauge("gateway_broker_subscriptions", "Broker subscriptions (one per subject with sessions, per instance).");
        BrokerSubscriptionsOpened = f.CreateCounter("gateway_broker_subscriptions_opened_total", "Broker subscriptions opened.");
        HistoryReads = f.CreateCounter("gateway_history_reads_total", "Resumes served from broker history (beyond the replay buffer), by result.", "result");

        // Series whose labels are fixed vocabularies exist from the start (docs/metrics.md); route-labelled ones are
        // created when a configuration is applied (Push/KnownMetricSeries).
        foreach (var result in (string[])["served", "reset", "error"])
        {
            HistoryReads.WithLabels(result);
        }

        foreach (var source in (string[])["http", "notify", "watch"])
        {
            Published.WithLabels(source, "ok");
            Published.WithLabels(source, "error");
        }

        Draining = f.CreateGauge("gateway_draining", "1 while this instance drains.");
        DrainRemaining = f.CreateGauge("gateway_drain_sessions_remaining", "Sessions still open on a draining instance.");
        ConfigErrors = f.CreateCounter("gateway_config_errors_total", "Errors found in proxy configuration loads (start-up and reloads).");
        ConfigReloads = f.CreateCounter("gateway_config_reloads_total", "Proxy configuration loads applied.");

        ProxyRequests = f.CreateCounter("gateway_proxy_requests_total", "REST requests proxied, by status code.", "route", "cluster", "method", "code");
        ProxyDuration = f.CreateHistogram("gateway_proxy_request_duration_seconds", "REST request latency through the proxy.",
            new HistogramConfiguration { LabelNames = ["route", "cluster"], Buckets = LatencyBuckets });
        ProxyErrors = f.CreateCounter("gateway_proxy_errors_total", "REST requests the proxy could not complete, by YARP error.", "route", "cluster", "error");
        EdgeNotModified = f.CreateCounter("gateway_edge_not_modified_total", "GETs answered 304 by the gateway.", "route", "source");
        IdempotentWrites = f.CreateCounter("gateway_idempotent_writes_total", "Writes with an Idempotency-Key on Edge.Idempotency routes, by result.", "route", "result");
        PollIntervals = f.CreateHistogram("gateway_poll_interval_seconds", "Adaptive short-poll interval hints given (X-Poll-Interval, negotiate's pollIntervalMs).",
            new HistogramConfiguration { LabelNames = ["route"], Buckets = PollIntervalBuckets });
        PollRateSubjects = f.CreateGauge("gateway_poll_rate_subjects", "Subjects whose event rate the poll advisor tracks.");
        PollRateUntracked = f.CreateCounter("gateway_poll_rate_untracked_total", "Poll hints given as for a quiet subject because the advisor's table was full.");
        PresenceMembers = f.CreateGauge("gateway_presence_members", "Presence members this instance holds (with sessions here, or within their reconnect grace).", "route");
        PresenceWrites = f.CreateCounter("gateway_presence_writes_total", "Presence KV writes: one per subject per change or refresh (written), expired records of other instances taken over (reaped), failures (failed).", "route", "result");
        PresenceEvents = f.CreateCounter("gateway_presence_events_total", "gateway.join and gateway.leave events this instance announced, by result.", "route", "type", "result");
        PresenceUntracked = f.CreateCounter("gateway_presence_untracked_total", "Sessions admitted without presence because their subject had Push.PresenceMaxMembers members.", "route");
        WatchPolls = f.CreateCounter("gateway_watch_polls_total", "Backend polls made for Push.Watch, by result.", "route", "result");

        // The runtime's own totals, read at scrape time: what a request or a delivered event costs in allocations and
        // thread-pool wake-ups (bench/peers.sh divides them by the deliveries of a run).
        var allocated = f.CreateCounter("gateway_runtime_allocated_bytes_total", "Bytes allocated on the managed heap since start (GC.GetTotalAllocatedBytes).");
        var workItems = f.CreateCounter("gateway_runtime_work_items_total", "Thread-pool work items completed since start (ThreadPool.CompletedWorkItemCount).");
        var workingSet = f.CreateGauge("gateway_process_working_set_bytes", "Physical memory of the process (Environment.WorkingSet): what docs/security.md's memory budget is measured in.");
        var heap = f.CreateGauge("gateway_runtime_gc_heap_bytes", "Managed heap size at the last garbage collection (GCMemoryInfo.HeapSizeBytes).");
        Registry.AddBeforeCollectCallback(() =>
        {
            workingSet.Set(Environment.WorkingSet);
            heap.Set(GC.GetGCMemoryInfo().HeapSizeBytes);
            allocated.IncTo(GC.GetTotalAllocatedBytes());
            workItems.IncTo(ThreadPool.CompletedWorkItemCount);
        });
    }

    public CollectorRegistry Registry { get; }

    public Gauge SessionsActive { get; }

    public Counter SessionsStarted { get; }

    public Counter SessionsClosed { get; }

    public Histogram SessionDuration { get; }

    public Counter EventsReceived { get; }

    public Counter EventsDelivered { get; }

    public Counter EventsDropped { get; }

    public Gauge QueueDepth { get; }

    public Gauge QueuedEvents { get; }

    public Histogram DeliveryLag { get; }

    public Counter Negotiations { get; }

    public Counter Fallbacks { get; }

    public Counter ConnectsRejected { get; }

    public Gauge SubscriptionsActive { get; }

    public Counter SubscriptionsRefused { get; }

    public Gauge MultiplexedConnections { get; }

    public Counter UpstreamMessages { get; }

    public Counter RateLimited { get; }

    public Gauge ClientRequestsInFlight { get; }

    public Counter Published { get; }

    public Gauge BrokerConnected { get; }

    public Counter BrokerConnects { get; }

    public Counter BrokerReconnectFailures { get; }

    public Counter StreamUpdatesRefused { get; }

    public Gauge BrokerSubscriptions { get; }

    public Counter BrokerSubscriptionsOpened { get; }

    public Counter HistoryReads { get; }

    public Gauge Draining { get; }

    public Gauge DrainRemaining { get; }

    public Counter ConfigErrors { get; }

    public Counter ConfigReloads { get; }

    public Counter ProxyRequests { get; }

    public Histogram ProxyDuration { get; }

    public Counter ProxyErrors { get; }

    public Counter EdgeNotModified { get; }

    public Counter WatchPolls { get; }

    public Histogram PollIntervals { get; }

    public Gauge PollRateSubjects { get; }

    public Counter PollRateUntracked { get; }

    public Counter IdempotentWrites { get; }

    public Gauge PresenceMembers { get; }

    public Counter PresenceWrites { get; }

    public Counter PresenceEvents { get; }

    public Counter PresenceUntracked { get; }
}
