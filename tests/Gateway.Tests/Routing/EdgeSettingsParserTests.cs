using Yarp.ReverseProxy.Configuration;

namespace Gateway.Routing.Tests;

public sealed class EdgeSettingsParserTests
{
    private static RouteConfig Route(Dictionary<string, string> metadata, string? cluster = "orders") => new()
    {
        RouteId = "r1",
        ClusterId = cluster,
        Match = new RouteMatch { Path = "/orders" },
        Metadata = metadata,
    };

    [Fact]
    public void Parse_NoEdgeKeys_IsNull()
    {
        var errors = new List<string>();
        Assert.Null(EdgeSettingsParser.Parse(Route(new() { ["Push.Notify"] = "orders" }), errors));
        Assert.Empty(errors);
    }

    [Fact]
    public void Parse_ETagSwitchAlone_IsKnown_IdempotencyOff()
    {
        var errors = new List<string>();
        var route = EdgeSettingsParser.Parse(Route(new() { ["Edge.ETag"] = "false" }), errors);

        Assert.Empty(errors);
        Assert.False(route!.Idempotency);
    }

    [Fact]
    public void Parse_IdempotencyWithoutTtl_DefaultsTo24Hours()
    {
        var route = EdgeSettingsParser.Parse(Route(new() { ["Edge.Idempotency"] = "true" }), []);

        Assert.True(route!.Idempotency);
        Assert.Equal(TimeSpan.FromHours(24), route.IdempotencyTtl);
    }

    [Fact]
    public void Parse_Ttl_IsRead()
    {
        var route = EdgeSettingsParser.Parse(Route(new() { ["Edge.Idempotency"] = "true", ["Edge.IdempotencyTtl"] = "00:10:00" }), []);
        Assert.Equal(TimeSpan.FromMinutes(10), route!.IdempotencyTtl);
    }

    [Fact]
    public void Parse_ManyMistakes_ReportsEveryOneWithRouteAndKey()
    {
        var errors = new List<string>();
        var route = EdgeSettingsParser.Parse(Route(new()
        {
            ["Edge.Idempotency"] = "yes",
            ["Edge.IdempotencyTtl"] = "forever",
            ["Edge.Idempotence"] = "true",
            ["Edge.ETag"] = "nope",
        }), errors);

        Assert.Null(route);
        Assert.Equal(4, errors.Count);
        Assert.Contains(errors, e => e.Contains("Edge.ETag: 'nope' must be true or false", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("route 'r1', Edge.Idempotency: 'yes'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Edge.IdempotencyTtl: 'forever'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Edge.Idempotence: unknown key", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_IdempotencyWithoutCluster_IsAnError()
    {
        var errors = new List<string>();
        Assert.Null(EdgeSettingsParser.Parse(Route(new() { ["Edge.Idempotency"] = "true" }, cluster: null), errors));
        Assert.Single(errors);
    }
}
