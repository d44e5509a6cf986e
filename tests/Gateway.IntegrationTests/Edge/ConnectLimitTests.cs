using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Edge;

/// <summary>Token buckets on new push connections and negotiations, a separate budget for polls, answers with Retry-After.</summary>
[Collection(NatsCollection.Name)]
public sealed class ConnectLimitTests(NatsServerFixture nats, ITestOutputHelper output)
{
    private const string Config = """
        {
          "Gateway": { "Limits": { "ConnectRatePerClient": 0.01, "ConnectBurstPerClient": 3, "GlobalConnectRate": 1000, "GlobalConnectBurst": 1000, "PollRatePerClient": 0.01, "PollBurstPerClient": 5 } },
          "ReverseProxy": {
            "Routes": { "p": { "Match": { "Path": "/p/{id}/events" }, "Metadata": { "Push.Subject": "p.{id}" } } },
            "Clusters": {}
          }
        }
        """;

    [Fact]
    public async Task Negotiations_OverTheClientBucket_Get429WithRetryAfter_AndAreCounted()
    {
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config, output, "Memory"));
        var statuses = new List<HttpStatusCode>();
        TimeSpan? retryAfter = null;
        for (var i = 0; i < 6; i++)
        {
            using var r = await gateway.PublicClient.PostAsync("/p/1/events/negotiate", null);
            statuses.Add(r.StatusCode);
            if (r.StatusCode == HttpStatusCode.TooManyRequests)
            {
                retryAfter ??= r.Headers.RetryAfter?.Delta;
                Assert.Equal("client_rate", (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
            }
        }

        Assert.Equal(3, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(3, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        Assert.NotNull(retryAfter);
        Assert.True(retryAfter >= TimeSpan.FromSeconds(1));
        var metrics = await gateway.ManagementClient.GetStringAsync("/metrics");
        Assert.Contains("gateway_reconnects_rejected_total{route=\"p\",reason=\"client_rate\"} 3", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sse_OverTheBucket_Gets200WithRetryAndReconnectEvent_NotAnError()
    {
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config, output, "Memory"));
        for (var i = 0; i < 3; i++)
        {
            using var r = await gateway.PublicClient.PostAsync("/p/2/events/negotiate", null);
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, "/p/2/events");
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var response = await gateway.PublicClient.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("retry: ", body, StringComparison.Ordinal);
        Assert.Contains("event: gateway.reconnect", body, StringComparison.Ordinal);
        Assert.Contains("\"reason\":\"client_rate\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Polls_HaveTheirOwnBudget_SoAClientOutOfConnectTokensStillPolls()
    {
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config, output, "Memory"));
        for (var i = 0; i < 4; i++)
        {
            using var r = await gateway.PublicClient.PostAsync("/p/3/events/negotiate", null);
        }

        var polls = new List<HttpStatusCode>();
        for (var i = 0; i < 7; i++)
        {
            using var r = await gateway.PublicClient.GetAsync("/p/3/events?transport=polling");
            polls.Add(r.StatusCode);
            if (r.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.NotNull(r.Headers.RetryAfter);
            }
        }

        Assert.Equal(5, polls.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(2, polls.Count(s => s == HttpStatusCode.TooManyRequests));
    }

    [Fact]
    public async Task OpenSessionsPerClient_AreCapped_TheNextStreamIsToldToComeBackLater()
    {
        await using var gateway = await GatewayInstance.StartAsync(new GatewayLaunchOptions
        {
            ConfigJson = Config,
            BrokerKind = "Memory",
            Output = output,
            ExtraArgs = ["--Gateway:Limits:MaxSessionsPerClient=2", "--Gateway:Limits:ConnectBurstPerClient=100"],
        });
        var registry = (Gateway.Sessions.SessionRegistry)gateway.Services.GetService(typeof(Gateway.Sessions.SessionRegistry))!;
        using var stop = new CancellationTokenSource();
        var open = Enumerable.Range(0, 2).Select(_ => Gateway.IntegrationTests.Transports.RawPushClient.CollectAsync(
            Gateway.IntegrationTests.Transports.RawPushClient.SseAsync(gateway.PublicUrl, "/p/5/events", null, stop.Token), _ => false, TimeSpan.FromSeconds(30))).ToList();
        await Eventually.TrueAsync(() => registry.Count == 2, TimeSpan.FromSeconds(20), "two sessions open");

        using var request = new HttpRequestMessage(HttpMethod.Get, "/p/5/events");
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var third = await gateway.PublicClient.SendAsync(request);
        var body = await third.Content.ReadAsStringAsync();
        Assert.Contains("event: gateway.reconnect", body, StringComparison.Ordinal);
        Assert.Contains("too_many_client_sessions", body, StringComparison.Ordinal);

        // Polls are not sessions that stay open: they are not capped by this.
        using var poll = await gateway.PublicClient.GetAsync("/p/5/events?transport=polling");
        Assert.Equal(HttpStatusCode.OK, poll.StatusCode);
        await stop.CancelAsync();
        await Task.WhenAll(open);
        await Eventually.TrueAsync(() => registry.CountForClient("ip:127.0.0.1") == 0, TimeSpan.FromSeconds(20), "the per-client count returns to zero");
    }

    [Fact]
    public async Task ForwardedFor_IsTrustedOnlyFromConfiguredProxies()
    {
        // Without trusted proxies, X-Forwarded-For cannot buy a client a fresh bucket.
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config, output, "Memory"));
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/p/4/events/negotiate");
            request.Headers.Add("X-Forwarded-For", $"203.0.113.{i}");
            using var r = await gateway.PublicClient.SendAsync(request);
            statuses.Add(r.StatusCode);
        }

        Assert.Equal(3, statuses.Count(s => s == HttpStatusCode.OK));

        // With 127.0.0.1 trusted, each forwarded client has its own bucket.
        await using var trusting = await GatewayInstance.StartAsync(new GatewayLaunchOptions
        {
            ConfigJson = Config,
            BrokerKind = "Memory",
            Output = output,
            ExtraArgs = ["--Gateway:Limits:TrustedProxies:0=127.0.0.1"],
        });
        for (var i = 0; i < 5; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/p/4/events/negotiate");
            request.Headers.Add("X-Forwarded-For", $"203.0.113.{i}");
            using var r = await trusting.PublicClient.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        }

    }
}
