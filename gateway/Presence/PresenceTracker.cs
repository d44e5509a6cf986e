using System.Collections.Concurrent;
using System.Threading.Channels;
using Gateway.Routing;
using Gateway.Sessions;

namespace Gateway.Presence;

/// <summary>
/// This instance's side of presence (docs/presence.md). Sessions join and leave members here; one refresh cycle per
/// instance (<see cref="TickAsync"/>, driven by <see cref="PresenceCycle"/>) writes each subject's members as one record,
/// when they changed and every third of the TTL, so the writes follow the number of subjects, not of members, and no
/// session has a timer. The subject's watch keeps the cluster-wide view; this instance announces the joins and leaves
/// its own writes make (and those of the expired records it reaped), so each is announced once.
/// </summary>
internal sealed partial class PresenceTracker(
    IPresenceStore store,
    Broker.IEventBroker broker,
    TimeProvider time,
    Observability.GatewayMetrics metrics,
    ILogger<PresenceTracker> logger)
{
    /// <summary>The cycle's period: changes are written within it, so a join is seen a quarter second after the session starts.</summary>
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);

    /// <summary>Announcements waiting to be published; past this many (a broker outage), new ones are dropped and counted.</summary>
    public const int MaxPendingAnnouncements = 10_000;

    private readonly ConcurrentDictionary<string, LocalSubject> _subjects = new(StringComparer.Ordinal);
    private readonly Channel<Announcement> _announcements = Channel.CreateBounded<Announcement>(
        new BoundedChannelOptions(MaxPendingAnnouncements) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    public string Instance => store.Instance;

    /// <summary>False on the embedded broker and core NATS: the list holds this instance's members only.</summary>
    public bool IsShared => store.IsShared;

    /// <summary>Subjects with presence state on this instance (tests, diagnostics).</summary>
    internal int SubjectCount => _subjects.Count;

    /// <summary>
    /// A session of <paramref name="peer"/> started: it is a member (again) now. False when the subject has its
    /// <see cref="PresenceSettings.MaxMembers"/> already: the session runs, unlisted.
    /// </summary>
    public bool Join(PushRoute route, string subject, SessionPeer peer)
    {
        var now = time.GetTimestamp();
        while (true)
        {
            var s = _subjects.GetOrAdd(subject, static (name, r) => new LocalSubject(name, r, r.Presence!), route);
            lock (s.Lock)
            {
                if (s.Closed)
                {
                    continue;
                }

                s.LastUsed = now;
                if (s.Members.TryGetValue(peer.Id, out var known))
                {
                    known.Sessions++;
                    known.LingerUntil = 0;
                    return true;
                }

                var max = s.Settings.MaxMembers;
                if (s.Members.Count >= max || (!s.View.Contains(peer.Id) && s.View.Count >= max))
                {
                    metrics.PresenceUntracked.WithLabels(s.Route.RouteId).Inc();
                    return false;
                }

                s.Members[peer.Id] = new LocalMember(new PresenceMember(peer.Id, peer.Client, peer.User, time.GetUtcNow())) { Sessions = 1 };
                s.Dirty = true;
                metrics.PresenceMembers.WithLabels(s.Route.RouteId).Inc();
                EnsureWatch(s);
                return true;
            }
        }
    }

    /// <summary>
    /// A session of <paramref name="peer"/> that <see cref="Join"/> admitted ended. With no session left the member stays
    /// for <paramref name="linger"/> (the route's grace, plus a poll interval for short polling), so a reconnect within it
    /// is neither a leave nor a join.
    /// </summary>
    public void Leave(string subject, SessionPeer peer, TimeSpan linger)
    {
        if (!_subjects.TryGetValue(subject, out var s))
        {
            return;
        }

        lock (s.Lock)
        {
            if (!s.Members.TryGetValue(peer.Id, out var member) || member.Sessions == 0 || --member.Sessions > 0)
            {
                return;
            }

            if (linger > TimeSpan.Zero)
            {
                member.LingerUntil = time.GetTimestamp() + Ticks(linger);
                return;
            }

            Remove(s, peer.Id);
        }
    }

    /// <summary>A short poll answered without a session (304): the poller is still there.</summary>
    public void Touch(PushRoute route, string subject, SessionPeer peer, TimeSpan linger)
    {
        if (Join(route, subject, peer))
        {
            Leave(subject, peer, linger);
        }
    }

    /// <summary>
    /// The subject's members, cluster-wide on a shared store: this instance's, and those of other instances' records
    /// refreshed within the TTL (so a crashed instance's members are gone from the list within the TTL). At most
    /// <see cref="PresenceSettings.MaxMembers"/>, oldest first.
    /// </summary>
    /// <exception cref="PresenceUnavailableException">The store does not answer.</exception>
    public async ValueTask<IReadOnlyList<PresenceMember>> ListAsync(PushRoute route, string subject, CancellationToken cancellationToken)
    {
        LocalSubject s;
        Task<IAsyncDisposable> watch;
        while (true)
        {
            s = _subjects.GetOrAdd(subject, static (name, r) => new LocalSubject(name, r, r.Presence!), route);
            lock (s.Lock)
            {
                if (s.Closed)
                {
                    continue;
                }

                s.LastUsed = time.GetTimestamp();
                watch = EnsureWatch(s);
                break;
            }
        }

        try
        {
            await watch.WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not PresenceUnavailableException)
        {
            throw new PresenceUnavailableException("the presence watch did not open", ex);
        }

        var members = new Dictionary<string, PresenceMember>(StringComparer.Ordinal);
        lock (s.Lock)
        {
            var now = time.GetTimestamp();
            foreach (var (id, member) in s.Members)
            {
                members[id] = member.Member;
            }

            s.View.CollectFresh(now, Ticks(s.Settings.Ttl), Instance, members);
        }

        var list = members.Values.ToList();
        list.Sort(static (a, b) => a.Since != b.Since ? a.Since.CompareTo(b.Since) : string.CompareOrdinal(a.Client, b.Client));
        return list.Count > route.Presence!.MaxMembers ? list.GetRange(0, route.Presence.MaxMembers) : list;
    }

    /// <summary>Opens the subject's watch if it is not open or opening (or restarts a failed one). Under the subject's lock.</summary>
    private Task<IAsyncDisposable> EnsureWatch(LocalSubject s)
    {
        if (s.Watch is null || s.Watch.IsFaulted || s.Watch.IsCanceled)
        {
            // Not under the lock: a store may deliver the current records (which take the lock) before it returns.
            s.Watch = Task.Run(async () => await store.WatchAsync(s.Subject, s.Settings.Ttl, update => OnUpdate(s, update), CancellationToken.None));
        }

        return s.Watch;
    }

    /// <summary>A record arrived from the store: the view changes; this instance announces what its own writes changed.</summary>
    private void OnUpdate(LocalSubject s, PresenceUpdate update)
    {
        var changes = new List<PresenceChange>();
        lock (s.Lock)
        {
            s.View.Apply(update, time.GetTimestamp() - Ticks(update.Age), changes);
        }

        if (changes.Count == 0 || update.Record?.By != Instance || !s.Settings.Events)
        {
            return;
        }

        foreach (var change in changes)
        {
            var id = $"gwp.{update.Instance}.{update.Revision}.{change.Member.Id}.{(change.Joined ? "j" : "l")}";
            if (!_announcements.Writer.TryWrite(new Announcement(s.Subject, s.Route.RouteId, change, id)))
            {
                metrics.PresenceEvents.WithLabels(s.Route.RouteId, change.Joined ? "join" : "leave", "dropped").Inc();
            }
        }
    }

    /// <summary>Drops a member. Under the subject's lock.</summary>
    private void Remove(LocalSubject s, string id)
    {
        if (s.Members.Remove(id))
        {
            s.Dirty = true;
            metrics.PresenceMembers.WithLabels(s.Route.RouteId).Dec();
        }
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * time.TimestampFrequency);

    private readonly record struct Announcement(string Subject, string RouteId, PresenceChange Change, string MessageId);
}
