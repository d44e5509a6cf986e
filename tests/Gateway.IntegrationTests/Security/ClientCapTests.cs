using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Security;

/// <summary>Per-client caps on polls in flight: one client cannot hold every topic the instance allows.</summary>
[Collection(NatsCollection.Name)]
public sealed class ClientCapTests(NatsServerFixture nats, ITestOutputHelper output)
{
    private const string Config = """
        {
          "Gateway": { "Limits": { "MaxPollsInFlightPerClient": 3, "TrustedProxies": [ "127.0.0.1" ] }, "Broker": { "MaxTopics": 6 } },
          "ReverseProxy": {
            "Routes": { "room": { "Match": { "Path": "/rooms/{room}/events" }, "Metadata": { "Push.Subject": "rooms.{room}" } } },
            "Clusters": {}
          }
        }
        """;

    [Fact]
    public async Task HeldLongPolls_PerClient_AreCapped_SoAnotherClientStillGetsATopic()
    {
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config, output, "Memory"));
        var topics = (Gateway.Sessions.TopicRegistry)gateway.Services.GetService(typeof(Gateway.Sessions.TopicRegistry))!;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        // Client A holds three long polls on three subjects: its cap.
        var held = Enumerable.Range(0, 3).Select(i => LongPollAsync(gateway, $"/rooms/a{i}/events", "192.0.2.1", stop.Token)).ToList();
        await Eventually.TrueAsync(() => topics.Count == 3, TimeSpan.FromSeconds(20), "three long polls hold three topics");

        // Its next three (new subjects, topics the instance still has) are refused before they open a topic.
        for (var i = 3; i < 6; i++)
        {
            using var refused = await LongPollAsync(gateway, $"/rooms/a{i}/events", "192.0.2.1", stop.Token);
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.NotNull(refused.Headers.RetryAfter);
            Assert.Equal("too_many_client_polls", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        }

        // Client B still gets a topic: its long poll is held, not answered 503.
        var other = LongPollAsync(gateway, "/rooms/b0/events", "192.0.2.2", stop.Token);
        await Eventually.TrueAsync(() => topics.Count == 4, TimeSpan.FromSeconds(20), "client B's long poll holds a topic");
        Assert.False(other.IsCompleted, "client B's long poll was answered at once");

        var metrics = await gateway.ManagementClient.GetStringAsync("/metrics");
        Assert.Contains("gateway_client_requests_in_flight{policy=\"poll\"} 4", metrics, StringComparison.Ordinal);
        Assert.Contains("gateway_reconnects_rejected_total{route=\"room\",reason=\"too_many_client_polls\"} 3", metrics, StringComparison.Ordinal);
        Assert.Contains("gateway_rate_limited_total{policy=\"poll\",scope=\"client_in_flight\"} 3", metrics, StringComparison.Ordinal);

        // When A's polls end, its places are free again.
        await stop.CancelAsync();
        foreach (var poll in held.Append(other))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => poll);
        }

        await Eventually.TrueAsync(async () => (await gateway.ManagementClient.GetStringAsync("/metrics")).Contains("gateway_client_requests_in_flight{policy=\"poll\"} 0", StringComparison.Ordinal),
            TimeSpan.FromSeconds(20), "the in-flight count returns to zero");
        using var shortPoll = new HttpRequestMessage(HttpMethod.Get, "/rooms/a0/events?transport=polling");
        shortPoll.Headers.Add("X-Forwarded-For", "192.0.2.1");
        using var again = await gateway.PublicClient.SendAsync(shortPoll);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    private static Task<HttpResponseMessage> LongPollAsync(GatewayInstance gateway, string path, string client, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path + "?transport=longpolling&wait=50");
        request.Headers.Add("X-Forwarded-For", client);
        return gateway.PublicClient.SendAsync(request, cancellationToken);
    }
}
