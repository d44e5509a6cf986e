using Gateway.Presence;
using Gateway.Routing;
using Gateway.Sessions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Presence.Tests;

/// <summary>Trackers of several instances on one fake clock, one shared bucket and one broker that records announcements.</summary>
internal sealed class PresenceKit
{
    public FakeTimeProvider Time { get; } = new(DateTimeOffset.Parse("2026-12-02T08:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    public SharedPresenceBucket Bucket { get; } = new();

    public RecordingBroker Broker { get; } = new();

    public Observability.GatewayMetrics Metrics { get; } = new();

    public static PushRoute Route(TimeSpan? ttl = null, TimeSpan? grace = null, int maxMembers = 1000, bool events = true) =>
        Gateway.Sessions.Tests.SessionTestKit.Route() with
        {
            Presence = new PresenceSettings(events, ttl ?? TimeSpan.FromSeconds(30), grace ?? TimeSpan.FromSeconds(5), maxMembers),
        };

    public static SessionPeer Peer(string client, string? user = null) => new(user is null ? "c:" + client : "u:" + user, client, user);

    public PresenceTracker Tracker(string instance) =>
        new(Bucket.For(instance), Broker, Time, Metrics, NullLogger<PresenceTracker>.Instance);

    /// <summary>One cycle of each tracker, after their watches opened, and their announcements published.</summary>
    public static async Task CycleAsync(params PresenceTracker[] trackers)
    {
        foreach (var t in trackers)
        {
            await t.WatchesOpenAsync().WaitAsync(TimeSpan.FromSeconds(10));
            await t.TickAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
            await t.WatchesOpenAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }

        foreach (var t in trackers)
        {
            await t.PublishPendingAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    public static async Task<List<string>> ListAsync(PresenceTracker tracker, PushRoute route, string subject = "room") =>
        (await tracker.ListAsync(route, subject, CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10))).Select(m => m.Client).ToList();
}
