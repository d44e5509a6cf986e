using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.Sessions;

namespace Gateway.IntegrationTests.Multiplexing;

/// <summary><c>/_gateway/stream</c> over long and short polling: many subscriptions per poll, resumed by the composite cursor.</summary>
[Collection(NatsCollection.Name)]
public sealed class StreamPollTests(NatsServerFixture nats, ITestOutputHelper output)
{
    private static string Url(string transport, IEnumerable<string> paths, string? cursor, int wait = 1) =>
        $"/_gateway/stream?transport={transport}&wait={wait}&{string.Join("&", paths.Select(p => "subscribe=" + Uri.EscapeDataString(p)))}" +
        (cursor is null ? string.Empty : "&cursor=" + Uri.EscapeDataString(cursor));

    private static async Task<JsonElement> PollAsync(GatewayInstance gateway, string transport, IEnumerable<string> paths, string? cursor, int wait = 1)
    {
        using var response = await gateway.PublicClient.GetAsync(Url(transport, paths, cursor, wait));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static List<JsonElement> Events(JsonElement answer, string path) =>
        [.. answer.GetProperty("events").EnumerateArray().Where(e => e.GetProperty("type").GetString() == "event" && e.GetProperty("path").GetString() == path)];

    /// <summary>Polls from <paramref name="cursor"/> until both paths have their counts; every event once, in order.</summary>
    private static async Task<(Dictionary<string, List<JsonElement>> Events, string Cursor)> PollUntilAsync(GatewayInstance gateway, string transport, string[] paths, string cursor, int[] counts)
    {
        var got = paths.ToDictionary(p => p, _ => new List<JsonElement>());
        var deadline = DateTime.UtcNow + MuxGateway.Timeout;
        while (paths.Select((p, i) => got[p].Count < counts[i]).Any(x => x))
        {
            Assert.True(DateTime.UtcNow < deadline, "events arrive within the timeout");
            var answer = await PollAsync(gateway, transport, paths, cursor);
            Assert.DoesNotContain(answer.GetProperty("events").EnumerateArray(), e => e.GetProperty("type").GetString() != "event");
            foreach (var p in paths)
            {
                got[p].AddRange(Events(answer, p));
            }

            cursor = answer.GetProperty("cursor").GetString()!;
        }

        return (got, cursor);
    }

    [Theory]
    [InlineData("longpolling")]
    [InlineData("polling")]
    public async Task Poll_TwoSubscriptions_EachGetsItsOwnEventsTaggedByPath_AndTheCompositeCursorResumesBoth(string transport)
    {
        await using var gateway = await MuxGateway.StartAsync(nats, output);
        var (a, b) = (MuxGateway.Unique("A"), MuxGateway.Unique("B"));
        string[] paths = [$"/t/{a}/events", $"/o/{b}/events"];

        // The first poll, without a cursor, starts both at now: an empty answer carrying the composite cursor.
        var first = await PollAsync(gateway, transport, paths, null);
        var start = first.GetProperty("cursor").GetString()!;
        Assert.StartsWith("v1~", start, StringComparison.Ordinal);
        Assert.Empty(first.GetProperty("events").EnumerateArray());

        await MuxGateway.PublishAsync(gateway, $"t.{a}", "a", 1, 3);
        await MuxGateway.PublishAsync(gateway, $"o.{b}", "b", 1, 2);
        var (got, cursor) = await PollUntilAsync(gateway, transport, paths, start, [3, 2]);
        Assert.Equal(["{\"a\":1}", "{\"a\":2}", "{\"a\":3}"], got[paths[0]].Select(e => e.GetProperty("data").GetRawText()));
        Assert.Equal(["{\"b\":1}", "{\"b\":2}"], got[paths[1]].Select(e => e.GetProperty("data").GetRawText()));

        // The ids are the subjects' own: what a single-route poll from the same start gives.
        var startA = PathCursor(start, paths[0]);
        Assert.Equal(await MuxGateway.SingleRouteIdsAsync(gateway, paths[0], startA, 3), got[paths[0]].Select(e => e.GetProperty("id").GetString()));

        // Nothing is lost between polls: more events, then the last composite cursor brings exactly those.
        await MuxGateway.PublishAsync(gateway, $"t.{a}", "a", 4, 1);
        await MuxGateway.PublishAsync(gateway, $"o.{b}", "b", 3, 2);
        var (more, _) = await PollUntilAsync(gateway, transport, paths, cursor, [1, 2]);
        Assert.Equal(["{\"a\":4}"], more[paths[0]].Select(e => e.GetProperty("data").GetRawText()));
        Assert.Equal(["{\"b\":3}", "{\"b\":4}"], more[paths[1]].Select(e => e.GetProperty("data").GetRawText()));
    }

    [Fact]
    public async Task ShortPoll_UnchangedSubscriptions_Are304ByTheCompositeETag()
    {
        await using var gateway = await MuxGateway.StartAsync(nats, output);
        var a = MuxGateway.Unique("A");
        string[] paths = [$"/t/{a}/events", $"/o/{a}/events"];
        using var first = await gateway.PublicClient.GetAsync(Url("polling", paths, null));
        var etag = first.Headers.ETag!.Tag;
        using var again = new HttpRequestMessage(HttpMethod.Get, Url("polling", paths, null));
        again.Headers.TryAddWithoutValidation("If-None-Match", etag);
        using (var notModified = await gateway.PublicClient.SendAsync(again))
        {
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        }

        await MuxGateway.PublishAsync(gateway, $"o.{a}", "b", 1, 1);
        await Eventually.TrueAsync(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, Url("polling", paths, null));
            request.Headers.TryAddWithoutValidation("If-None-Match", etag);
            using var response = await gateway.PublicClient.SendAsync(request);
            return response.StatusCode == HttpStatusCode.OK;
        }, MuxGateway.Timeout, "a new event changes the ETag");
    }

    [Fact]
    public async Task LongPoll_RefusedSubscriptions_AreErrorItemsForTheirPath_TheOthersDeliver()
    {
        await using var gateway = await MuxGateway.StartAsync(nats, output);
        var a = MuxGateway.Unique("A");
        string[] paths = [$"/t/{a}/events", "/w/x/events", "/users/bob/events"];
        using var request = new HttpRequestMessage(HttpMethod.Get, Url("longpolling", paths, null));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", MuxGateway.Token("alice"));
        using var response = await gateway.PublicClient.SendAsync(request);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
        var errors = answer.GetProperty("events").EnumerateArray().Where(e => e.GetProperty("type").GetString() == "error").ToDictionary(e => e.GetProperty("path").GetString()!);
        Assert.Equal("transport_not_allowed", errors["/w/x/events"].GetProperty("error").GetString());
        Assert.Equal("forbidden", errors["/users/bob/events"].GetProperty("error").GetString());
        Assert.Equal(2, errors.Count);

        await MuxGateway.PublishAsync(gateway, $"t.{a}", "a", 1, 2);
        var cursor = answer.GetProperty("cursor").GetString()!;
        var (got, _) = await PollUntilAsync(gateway, "longpolling", [paths[0]], cursor, [2]);
        Assert.Equal(["{\"a\":1}", "{\"a\":2}"], got[paths[0]].Select(e => e.GetProperty("data").GetRawText()));
    }

    [Fact]
    public async Task Poll_Limits_TooManySubscriptionsAndTooLongCursor_Are400Json()
    {
        await using var gateway = await MuxGateway.StartAsync(nats, output, MuxGateway.Config(maxSubscriptions: 2, maxCursorLength: 100));
        using var many = await gateway.PublicClient.GetAsync(Url("longpolling", ["/t/1/events", "/t/2/events", "/t/3/events"], null));
        Assert.Equal(HttpStatusCode.BadRequest, many.StatusCode);
        Assert.Equal("too_many_subscriptions", (await many.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        using var tooLong = await gateway.PublicClient.GetAsync(Url("polling", ["/t/1/events"], "v1~" + new string('a', 200)));
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Equal("cursor_too_long", (await tooLong.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    /// <summary>The single-route cursor of <paramref name="path"/> inside a composite cursor.</summary>
    private static string PathCursor(string composite, string path)
    {
        Assert.Equal(CursorParse.Valid, CompositeCursor.Parse(composite, 4096, out var cursors));
        return cursors[CompositeCursor.Key(path)].ToString();
    }
}
