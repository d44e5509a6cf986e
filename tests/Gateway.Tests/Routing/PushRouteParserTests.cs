using Gateway.Routing;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Routing.Tests;

public sealed class PushRouteParserTests
{
    private static RouteConfig Route(Dictionary<string, string> metadata, string path = "/orders/{id}/events", string? cluster = null) => new()
    {
        RouteId = "r1",
        ClusterId = cluster,
        Match = new RouteMatch { Path = path },
        Metadata = metadata,
    };

    [Fact]
    public void Parse_NoPushKeys_IsNotAPushRoute()
    {
        var errors = new List<string>();
        Assert.Null(PushRouteParser.Parse(Route([]), new PushOptions(), errors));
        Assert.Empty(errors);
    }

    [Fact]
    public void Parse_FullRoute_ReadsEveryKey()
    {
        var errors = new List<string>();
        var route = PushRouteParser.Parse(Route(new()
        {
            ["Push.Subject"] = "orders.{id}",
            ["Push.Transports"] = "sse, websocket",
            ["Push.Upstream"] = "orders.{id}.in",
            ["Push.QueueCapacity"] = "77",
            ["Push.SlowConsumer"] = "DropOldest",
            ["Push.Heartbeat"] = "00:00:05",
            ["Push.ConnectRate"] = "2.5",
        }), new PushOptions(), errors);

        Assert.Empty(errors);
        Assert.NotNull(route);
        Assert.Equal([TransportKind.Sse, TransportKind.WebSocket], route.Transports);
        Assert.Equal(77, route.QueueCapacity);
        Assert.Equal(SlowConsumerPolicy.DropOldest, route.SlowConsumer);
        Assert.Equal(TimeSpan.FromSeconds(5), route.Heartbeat);
        Assert.Equal(2.5, route.ConnectRate);
        Assert.True(route.Allows(TransportKind.Sse));
        Assert.False(route.Allows(TransportKind.Polling));
    }

    [Fact]
    public void Parse_NoTransportsKey_AllowsAllInPreferenceOrder()
    {
        var route = PushRouteParser.Parse(Route(new() { ["Push.Subject"] = "orders.{id}" }), new PushOptions(), []);
        Assert.Equal([TransportKind.WebSocket, TransportKind.Sse, TransportKind.LongPolling, TransportKind.Polling], route!.Transports);
    }

    [Theory]
    [InlineData("sub={id}", null)]
    [InlineData("sub", "is not claim=template")]
    [InlineData("=x", "is not claim=template")]
    [InlineData("sub={user}", "placeholder '{user}' is not a parameter")]
    public void Parse_RequireClaim_ReadsClaimAndTemplate_OrSaysWhatIsWrong(string value, string? error)
    {
        var errors = new List<string>();
        var route = PushRouteParser.Parse(Route(new() { ["Push.Subject"] = "orders.{id}", ["Push.RequireClaim"] = value }), new PushOptions(), errors);
        if (error is null)
        {
            Assert.Empty(errors);
            Assert.Equal("sub", route!.RequireClaim!.ClaimType);
            Assert.Equal(["id"], route.RequireClaim.Value.Parameters);
        }
        else
        {
            Assert.Contains(errors, e => e.Contains("Push.RequireClaim", StringComparison.Ordinal) && e.Contains(error, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Parse_ManyMistakes_ReportsEveryOneWithRouteAndKey()
    {
        var errors = new List<string>();
        var route = PushRouteParser.Parse(Route(new()
        {
            ["Push.Subject"] = "orders.{nope}",
            ["Push.Transports"] = "websocket,carrier-pigeon,websocket",
            ["Push.Heartbeat"] = "forever",
            ["Push.QueueCapacity"] = "-1",
            ["Push.SlowConsumer"] = "Panic",
            ["Push.Bogus"] = "1",
            ["Push.Watch"] = "orders/{id}",
        }), new PushOptions(), errors);

        Assert.Null(route);
        Assert.Contains(errors, e => e.Contains("Push.Subject", StringComparison.Ordinal) && e.Contains("{nope}", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("carrier-pigeon", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("listed twice", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Push.Heartbeat", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Push.QueueCapacity", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Panic", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Push.Bogus", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("must be a backend path", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("needs a ClusterId", StringComparison.Ordinal));
        Assert.All(errors, e => Assert.Contains("r1", e, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/orders/{id")]
    [InlineData("/orders/{id}/x{")]
    [InlineData("/orders/id}")]
    public void Parse_WatchWithUnclosedOrStrayBrace_IsRefused(string watch)
    {
        var errors = new List<string>();
        var route = PushRouteParser.Parse(Route(new() { ["Push.Subject"] = "orders.{id}", ["Push.Watch"] = watch }, cluster: "c1"), new PushOptions(), errors);

        Assert.Null(route);
        Assert.Contains(errors, e => e.Contains("unclosed or stray brace", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_WatchWithClosedPlaceholders_IsAccepted()
    {
        var errors = new List<string>();
        var route = PushRouteParser.Parse(Route(new() { ["Push.Subject"] = "orders.{id}", ["Push.Watch"] = "/orders/{id}" }, cluster: "c1"), new PushOptions(), errors);

        Assert.NotNull(route);
        Assert.Empty(errors);
    }

    [Fact]
    public void Parse_PollBounds_SwitchAdaptivePollingOn_AMissingBoundTakesItsDefault()
    {
        var errors = new List<string>();
        var both = PushRouteParser.Parse(Route(new() { ["Push.Subject"] = "orders.{id}", ["Push.PollIntervalMin"] = "00:00:00.500", ["Push.PollIntervalMax"] = "00:00:10" }), new PushOptions(), errors);
        var minOnly = PushRouteParser.Parse(Route(new() { ["Push.Subject"] = "orders.{id}", ["Push.PollIntervalMin"] = "00:00:02" }), new PushOptions(), errors);
        var none = PushRouteParser.Parse(Route(new() { ["Push.Subject"] = "orders.{id}" }), new PushOptions(), errors);

        Assert.Empty(errors);
        Assert.Equal(new PollBounds(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(10)), both!.AdaptivePoll);
        Assert.Equal(new PollBounds(TimeSpan.FromSeconds(2), PollBounds.DefaultMax), minOnly!.AdaptivePoll);
        Assert.Null(none!.AdaptivePoll);
    }

    [Theory]
    [InlineData("00:00:10", "00:00:05", "is above Push.PollIntervalMax")]
    [InlineData("00:00:00.050", "00:00:05", "Push.PollIntervalMin: '00:00:00.050' must be a duration")]
    [InlineData("00:00:01", "2.00:00:00", "Push.PollIntervalMax: '2.00:00:00' must be a duration")]
    [InlineData("soon", "00:00:05", "Push.PollIntervalMin: 'soon' must be a duration")]
    public void Parse_BadPollBounds_AreRefusedWithTheKey(string min, string max, string expected)
    {
        var errors = new List<string>();
        var route = PushRouteParser.Parse(Route(new() { ["Push.Subject"] = "orders.{id}", ["Push.PollIntervalMin"] = min, ["Push.PollIntervalMax"] = max }), new PushOptions(), errors);

        Assert.Null(route);
        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal) && e.Contains("route 'r1'", StringComparison.Ordinal));
    }
}
