using Gateway.Broker;
using Gateway.Routing;
using Gateway.Sessions;
using Gateway.Transports;
using Gateway.Transports.LongPolling;
using Gateway.Transports.Polling;

namespace Gateway.Multiplexing;

/// <summary>
/// Long and short polls of a multiplexed stream: one poll-mode session per subscription, all writing into one answer.
/// A long poll answers when the first subscription has something (the others stop, their cursors unmoved) or when every
/// one reached the wait; a short poll answers with what each has now, and <c>304</c> when the composite cursor of every
/// path's newest event is the client's <c>If-None-Match</c>.
/// </summary>
internal sealed class StreamPolls(StreamServices services)
{
    public async Task HandleAsync(HttpContext http, IPushTransport transport, List<string> paths, string? cursorText)
    {
        var cursors = StreamRequest.CursorsFor(paths, cursorText, services.Limits.MaxCursorLength);
        var accepted = new List<(string Path, PushContext Context, Subscription Topic)>(paths.Count);
        var refused = new List<(string Path, SubscriptionRefusal Refusal)>();
        try
        {
            foreach (var path in paths)
            {
                var target = await services.Resolver.ResolveAsync(http, path, transport.Kind);
                if (target.Refusal is { } refusal)
                {
                    refused.Add((path, refusal));
                    continue;
                }

                var context = target.Context!;
                var admitted = services.Admission.Admit(context, isPoll: true);
                if (!admitted.IsAllowed)
                {
                    refused.Add((path, services.Resolver.Refuse(context.Route.RouteId, new SubscriptionRefusal(admitted.Reason!, admitted.Status, "Poll refused right now; retry after the advised delay.", RetryAfter: admitted.RetryAfter)).Refusal!));
                    continue;
                }

                try
                {
                    accepted.Add((path, context, await services.Sessions.SubscribeAsync(context.Subject, http.RequestAborted)));
                }
                catch (BrokerUnavailableException)
                {
                    refused.Add((path, services.Resolver.Refuse(context.Route.RouteId, new SubscriptionRefusal("broker_unavailable", 503, "No change feed for this path right now; retry after the advised delay.", RetryAfter: services.Sessions.Services.RetryAdvice())).Refusal!));
                }
            }

            await AnswerAsync(http, transport, accepted, refused, cursors);
        }
        finally
        {
            foreach (var a in accepted)
            {
                a.Topic.Dispose();
            }
        }
    }

    private async Task AnswerAsync(
        HttpContext http,
        IPushTransport transport,
        List<(string Path, PushContext Context, Subscription Topic)> accepted,
        List<(string Path, SubscriptionRefusal Refusal)> refused,
        Dictionary<string, string?> cursors)
    {
        var interval = accepted.Count == 0 ? services.Push.PollInterval : accepted.Min(a => a.Context.Route.PollInterval);
        if (transport.Kind == TransportKind.Polling && refused.Count == 0 && accepted.Count > 0)
        {
            var heads = new CompositeCursor();
            foreach (var a in accepted)
            {
                heads.Set(a.Path, a.Topic.Head);
            }

            if (PollingTransport.TryAnswerNotModified(http, heads.ToString(), interval))
            {
                return;
            }
        }

        var wire = new MultiplexedPollWire(http, transport.Kind, interval);
        await using var _ = wire;
        foreach (var (path, refusal) in refused)
        {
            await wire.WriteRefusedAsync(path, refusal, http.RequestAborted);
        }

        var wait = transport.Mode == SessionMode.LongPoll ? LongPollingTransport.ParseWait(http.Request.Query["wait"], services.Push.LongPollDefaultWait) : TimeSpan.Zero;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        var watches = new List<IDisposable>();
        var runs = new List<Task>(accepted.Count);
        try
        {
            foreach (var (path, context, topic) in accepted)
            {
                var start = Cursor.Parse(cursors[path], out var parsed) switch
                {
                    CursorParse.Absent => topic.Head,
                    CursorParse.Valid => parsed,
                    _ => new Cursor("malformed", 0),
                };
                if (services.Watches.Acquire(context) is { } watch)
                {
                    watches.Add(watch);
                }

                var writer = wire.ForPath(path, start);
                var session = new SessionStart(context.Route, context.RouteConfig, context.Subject, transport.Mode, wait, null, null);
                runs.Add(services.Sessions.RunAsync(topic, session, start.ToString(), writer, wire.Abort, stop.Token));
            }

            var all = Task.WhenAll(runs);
            if (transport.Mode == SessionMode.LongPoll)
            {
                await Task.WhenAny(all, wire.Content);
                wire.Seal();
                await stop.CancelAsync();
            }

            try
            {
                await all;
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException)
            {
                // A session stopped with the answer sealed: what it had is not in this answer, its cursor did not move.
            }
        }
        finally
        {
            foreach (var w in watches)
            {
                w.Dispose();
            }
        }

        if (http.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        await wire.WriteAnswerAsync(http.RequestAborted);
    }
}
