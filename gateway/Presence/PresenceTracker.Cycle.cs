using System.Text.Json;
using Gateway.Broker;

namespace Gateway.Presence;

internal sealed partial class PresenceTracker
{
    /// <summary>Writes in flight at once within a cycle: a thousand subjects are a few round trips, not a thousand at once.</summary>
    public const int WriteConcurrency = 16;

    /// <summary>
    /// One refresh cycle: members past their grace leave; each subject whose members changed, or whose record is a third of
    /// its TTL old, gets one write of all its members; other instances' records not refreshed for a TTL are reaped; idle
    /// subjects close their watch. Writes that fail are tried again next cycle.
    /// </summary>
    public async Task TickAsync(CancellationToken cancellationToken)
    {
        var now = time.GetTimestamp();
        List<(LocalSubject Subject, PresenceRecord Record)>? writes = null;
        List<(LocalSubject Subject, string Instance, ulong Revision)>? reaps = null;
        List<LocalSubject>? idle = null;
        foreach (var s in _subjects.Values)
        {
            lock (s.Lock)
            {
                var ttl = Ticks(s.Settings.Ttl);
                List<string>? gone = null;
                foreach (var (id, member) in s.Members)
                {
                    if (member.Sessions == 0 && member.LingerUntil <= now)
                    {
                        (gone ??= []).Add(id);
                    }
                }

                foreach (var id in gone ?? [])
                {
                    Remove(s, id);
                }

                if (s.Members.Count > 0)
                {
                    s.LastUsed = now;
                }
                else if (!s.Holding && !s.Dirty && now - s.LastUsed >= ttl)
                {
                    s.Closed = true;
                    _subjects.TryRemove(new KeyValuePair<string, LocalSubject>(s.Subject, s));
                    (idle ??= []).Add(s);
                    continue;
                }

                if (!s.WatchReady)
                {
                    EnsureWatch(s);
                    continue;
                }

                if (s.Dirty || (s.Holding && now - s.LastWrite >= Ticks(s.Settings.RefreshInterval)))
                {
                    var members = new PresenceMember[s.Members.Count];
                    var i = 0;
                    foreach (var member in s.Members.Values)
                    {
                        members[i++] = member.Member;
                    }

                    (writes ??= []).Add((s, new PresenceRecord(PresenceRecord.Version, Instance, members)));
                    s.Dirty = false;
                    s.Holding = members.Length > 0;
                    s.LastWrite = now;
                }

                foreach (var (instance, revision) in s.View.Expired(now, ttl, Instance))
                {
                    (reaps ??= []).Add((s, instance, revision));
                }
            }
        }

        var options = new ParallelOptions { MaxDegreeOfParallelism = WriteConcurrency, CancellationToken = cancellationToken };
        if (writes is not null)
        {
            await Parallel.ForEachAsync(writes, options, async (write, ct) => await WriteAsync(write.Subject, write.Record, ct));
        }

        if (reaps is not null)
        {
            await Parallel.ForEachAsync(reaps, options, async (reap, ct) => await ReapAsync(reap.Subject, reap.Instance, reap.Revision, ct));
        }

        foreach (var s in idle ?? [])
        {
            await CloseAsync(s);
        }
    }

    /// <summary>Publishes the announcements in the order the watches produced them, until stopped.</summary>
    public async Task RunAnnouncementsAsync(CancellationToken cancellationToken)
    {
        while (await _announcements.Reader.WaitToReadAsync(cancellationToken))
        {
            await PublishPendingAsync(cancellationToken);
        }
    }

    /// <summary>Publishes the announcements waiting now (the announcement loop; tests call it directly).</summary>
    internal async Task PublishPendingAsync(CancellationToken cancellationToken)
    {
        while (_announcements.Reader.TryRead(out var a))
        {
            var type = a.Change.Joined ? "join" : "leave";
            var data = JsonSerializer.SerializeToUtf8Bytes(new PresenceEventData(a.Change.Member.Client, a.Change.Member.User), PresenceJsonContext.Default.PresenceEventData);
            var message = new OutgoingMessage(a.Subject, a.Change.Joined ? JoinEvent : LeaveEvent, data, a.MessageId);
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await broker.PublishAsync(message, cancellationToken);
                    metrics.PresenceEvents.WithLabels(a.RouteId, type, "published").Inc();
                    break;
                }
                catch (BrokerUnavailableException ex) when (attempt < 3)
                {
                    Log.AnnounceRetry(logger, a.Subject, ex.Message);
                    await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken);
                }
                catch (BrokerUnavailableException ex)
                {
                    Log.AnnounceFailed(logger, a.Subject, ex.Message);
                    metrics.PresenceEvents.WithLabels(a.RouteId, type, "failed").Inc();
                    break;
                }
            }
        }
    }

    /// <summary>Completes when every subject's watch is open (tests: the first cycle after a join then writes).</summary>
    internal Task WatchesOpenAsync() => Task.WhenAll(_subjects.Values.Select(s => s.Watch ?? Task.FromResult<IAsyncDisposable>(null!)));

    /// <summary>Closes every watch (the host stops). Records are left to expire: members of a stopping instance that
    /// reconnect elsewhere within the TTL are neither a leave nor a join (a rolling deploy does not flood the rooms).</summary>
    public async Task CloseAllAsync()
    {
        foreach (var s in _subjects.Values)
        {
            lock (s.Lock)
            {
                s.Closed = true;
            }

            await CloseAsync(s);
        }

        _subjects.Clear();
    }

    /// <summary>The <c>gateway.join</c> event type; the gateway's own types start with <c>gateway.</c>, which clients cannot publish.</summary>
    public const string JoinEvent = "gateway.join";

    public const string LeaveEvent = "gateway.leave";

    private async Task WriteAsync(LocalSubject s, PresenceRecord record, CancellationToken cancellationToken)
    {
        try
        {
            await store.WriteAsync(s.Subject, s.Settings.Ttl, record, cancellationToken);
            metrics.PresenceWrites.WithLabels(s.Route.RouteId, "written").Inc();
        }
        catch (PresenceUnavailableException ex)
        {
            lock (s.Lock)
            {
                s.Dirty = true;
            }

            metrics.PresenceWrites.WithLabels(s.Route.RouteId, "failed").Inc();
            Log.WriteFailed(logger, s.Subject, ex.Message);
        }
    }

    private async Task ReapAsync(LocalSubject s, string instance, ulong revision, CancellationToken cancellationToken)
    {
        try
        {
            if (await store.ReapAsync(s.Subject, instance, revision, s.Settings.Ttl, new PresenceRecord(PresenceRecord.Version, Instance, []), cancellationToken))
            {
                metrics.PresenceWrites.WithLabels(s.Route.RouteId, "reaped").Inc();
                Log.Reaped(logger, instance, s.Subject);
            }
        }
        catch (PresenceUnavailableException ex)
        {
            metrics.PresenceWrites.WithLabels(s.Route.RouteId, "failed").Inc();
            Log.WriteFailed(logger, s.Subject, ex.Message);
        }
    }

    private static async Task CloseAsync(LocalSubject s)
    {
        if (s.Watch is { } opening)
        {
            try
            {
                await (await opening).DisposeAsync();
            }
            catch (Exception ex) when (ex is PresenceUnavailableException or OperationCanceledException)
            {
                // It never opened: nothing to close.
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(8000, LogLevel.Warning, "Presence write for {Subject} failed (tried again next cycle): {Reason}")]
        public static partial void WriteFailed(ILogger logger, string subject, string reason);

        [LoggerMessage(8001, LogLevel.Information, "Presence: the record of instance {Instance} on {Subject} expired; its members left")]
        public static partial void Reaped(ILogger logger, string instance, string subject);

        [LoggerMessage(8002, LogLevel.Debug, "Presence event on {Subject} not published yet, retrying: {Reason}")]
        public static partial void AnnounceRetry(ILogger logger, string subject, string reason);

        [LoggerMessage(8003, LogLevel.Warning, "Presence event on {Subject} dropped, the broker did not take it: {Reason}")]
        public static partial void AnnounceFailed(ILogger logger, string subject, string reason);
    }
}
