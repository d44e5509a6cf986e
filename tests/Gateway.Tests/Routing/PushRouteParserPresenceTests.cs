using Gateway.Routing;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Routing.Tests;

public sealed class PushRouteParserPresenceTests
{
    private static PushRoute? Parse(Dictionary<string, string> metadata, List<string> errors) => PushRouteParser.Parse(new RouteConfig
    {
        RouteId = "rooms",
        Match = new RouteMatch { Path = "/rooms/{room}/cursors" },
        Metadata = metadata,
    }, new PushOptions(), errors);

    [Fact]
    public void Parse_PresenceOn_DefaultsTtl30sGrace5sCap1000_EventsOff()
    {
        var errors = new List<string>();
        var route = Parse(new() { ["Push.Subject"] = "rooms.{room}.cursors", ["Push.Presence"] = "true" }, errors);

        Assert.Empty(errors);
        Assert.Equal(new PresenceSettings(false, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5), 1000), route!.Presence);
        Assert.Equal(TimeSpan.FromSeconds(10), route.Presence!.RefreshInterval);
    }

    [Fact]
    public void Parse_EveryPresenceKey_IsRead()
    {
        var errors = new List<string>();
        var route = Parse(new()
        {
            ["Push.Subject"] = "rooms.{room}.cursors",
            ["Push.Presence"] = "true",
            ["Push.PresenceEvents"] = "true",
            ["Push.PresenceTtl"] = "00:00:09",
            ["Push.PresenceGrace"] = "00:00:02",
            ["Push.PresenceMaxMembers"] = "50",
        }, errors);

        Assert.Empty(errors);
        Assert.Equal(new PresenceSettings(true, TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(2), 50), route!.Presence);
    }

    [Fact]
    public void Parse_BadPresenceKeys_AreAllReportedAtOnce()
    {
        var errors = new List<string>();
        Assert.Null(Parse(new()
        {
            ["Push.Subject"] = "rooms.{room}.cursors",
            ["Push.Presence"] = "yes",
            ["Push.PresenceTtl"] = "00:00:00.100",
            ["Push.PresenceMaxMembers"] = "100000",
        }, errors));

        Assert.Contains(errors, e => e.Contains("Push.Presence:", StringComparison.Ordinal) && e.Contains("true or false", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Push.PresenceTtl", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Push.PresenceMaxMembers", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_GraceAboveTtl_OrCompanionsWithoutPresence_AreErrors()
    {
        var errors = new List<string>();
        Parse(new() { ["Push.Subject"] = "rooms.{room}.cursors", ["Push.Presence"] = "true", ["Push.PresenceTtl"] = "00:00:05", ["Push.PresenceGrace"] = "00:00:06" }, errors);
        Assert.Single(errors, e => e.Contains("Push.PresenceGrace", StringComparison.Ordinal));

        errors.Clear();
        Parse(new() { ["Push.Subject"] = "rooms.{room}.cursors", ["Push.PresenceEvents"] = "true" }, errors);
        Assert.Single(errors, e => e.Contains("set only with Push.Presence: true", StringComparison.Ordinal));
    }
}
