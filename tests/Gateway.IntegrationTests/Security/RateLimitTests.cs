using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Security;

/// <summary>
/// The named rate-limiter policies (gw-connect, gw-negotiate, gw-poll, gw-publish) on real sockets: floods from one key
/// and from many, IPv6 clients grouped by /64, the route and instance buckets, and each transport's refusal.
/// </summary>
[Collection(NatsCollection.Name)]
public sealed class RateLimitTests(NatsServerFixture nats, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    // Buckets that refill once in 100 s: what a test spends stays spent.
    private const string Config = """
        {
          "Gateway": { "Limits": {
            "ConnectRatePerClient": 0.01, "ConnectBurstPerClient": 3,
            "PollRatePerClient": 0.01, "PollBurstPerClient": 3,
            "PublishRatePerClient": 0.01, "PublishBurstPerClient": 3,
            "TrustedProxies": [ "127.0.0.1" ] } },
          "ReverseProxy": {
            "Routes": {
              "room": { "Match": { "Path": "/rooms/{room}/events" }, "Metadata": { "Push.Subject": "rooms.{room}", "Push.Upstream": "rooms.{room}.in" } },
              "free": { "Match": { "Path": "/free/{room}/events" }, "RateLimiterPolicy": "Disable", "Metadata": { "Push.Subject": "free.{room}", "Push.Upstream": "free.{room}.in" } },
              "wide": { "Match": { "Path": "/wide/{room}/events" }, "Metadata": { "Push.Subject": "wide.{room}", "Push.Upstream": "wide.{room}.in", "Push.PublishBurst": "10" } }
            },
            "Clusters": {}
          }
        }
        """;

    [Fact]
    public async Task PublishFlood_FromOneKey_IsCutAtTheBurst_HttpAndWebSocketShareTheBucket()
    {
        await using var gateway = await StartAsync();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 8; i++)
        {
            using var r = await PostAsync(gateway, "/rooms/a/events", "10.0.0.1");
            statuses.Add(r.StatusCode);
            if (r.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.True(r.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
                Assert.Equal("application/json", r.Content.Headers.ContentType?.MediaType);
                Assert.Equal("rate_limited", (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
            }
        }

        Assert.Equal(3, statuses.Count(s => s == HttpStatusCode.Accepted));
        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.TooManyRequests));

        // The same client over a WebSocket: its publish bucket is already empty.
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("X-Forwarded-For", "10.0.0.1");
        await socket.ConnectAsync(WsUri(gateway, "/rooms/a/events"), CancellationToken.None);
        await socket.SendAsync("{\"type\":\"publish\",\"ref\":\"1\",\"data\":{}}"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        var frame = await ReadFrameAsync(socket, f => f.GetProperty("type").GetString() is "ack" or "error");
        Assert.Equal("rate_limited", frame.GetProperty("error").GetString());

        var metrics = await gateway.ManagementClient.GetStringAsync("/metrics");
        Assert.Contains("gateway_rate_limited_total{policy=\"publish\",scope=\"client\"} 6", metrics, StringComparison.Ordinal);
        Assert.Contains("gateway_upstream_messages_total{route=\"room\",result=\"rate_limited\"} 6", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PublishFlood_FromManyKeys_IsCutByTheInstanceBucket()
    {
        await using var gateway = await StartAsync("--Gateway:Limits:GlobalPublishRate=0.01", "--Gateway:Limits:GlobalPublishBurst=10");
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 20; i++)
        {
            using var r = await PostAsync(gateway, "/rooms/b/events", $"198.51.100.{i}");
            statuses.Add(r.StatusCode);
        }

        Assert.Equal(10, statuses.Count(s => s == HttpStatusCode.Accepted));
        Assert.Equal(10, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        var metrics = await gateway.ManagementClient.GetStringAsync("/metrics");
        Assert.Contains("gateway_rate_limited_total{policy=\"publish\",scope=\"global\"} 10", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectFlood_FromManyKeys_IsCutByTheRouteBucket_OtherRoutesStillConnect()
    {
        await using var gateway = await StartAsync("--Gateway:Limits:ConnectRatePerRoute=0.01", "--Gateway:Limits:ConnectBurstPerRoute=5");
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 12; i++)
        {
            using var r = await NegotiateAsync(gateway, "/rooms/c/events", $"198.51.100.{i}");
            statuses.Add(r.StatusCode);
            if (r.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.Equal("route_rate", (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
            }
        }

        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.OK));
        using var other = await NegotiateAsync(gateway, "/wide/c/events", "198.51.100.1");
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task Ipv6Clients_OneSlash64_ShareOneBucket_AnotherSlash64HasItsOwn()
    {
        await using var gateway = await StartAsync();
        var statuses = new List<HttpStatusCode>();
        foreach (var address in new[] { "2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:aaaa::3", "2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::5" })
        {
            using var r = await NegotiateAsync(gateway, "/rooms/d/events", address);
            statuses.Add(r.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
        using var neighbour = await NegotiateAsync(gateway, "/rooms/d/events", "2001:db8:1:3::1");
        Assert.Equal(HttpStatusCode.OK, neighbour.StatusCode);
    }

    [Theory]
    [InlineData("negotiate")]
    [InlineData("websocket")]
    [InlineData("sse")]
    [InlineData("longpolling")]
    [InlineData("polling")]
    [InlineData("publish")]
    public async Task EachTransport_OverItsBucket_GetsItsOwnRefusal(string transport)
    {
        await using var gateway = await StartAsync();
        const string Client = "192.0.2.7";

        // Spend the bucket this transport draws from (connects and negotiations share one).
        for (var i = 0; i < 3; i++)
        {
            using var spent = transport switch
            {
                "longpolling" or "polling" => await SendAsync(gateway, HttpMethod.Get, "/rooms/e/events?transport=polling", Client),
                "publish" => await PostAsync(gateway, "/rooms/e/events", Client),
                _ => await NegotiateAsync(gateway, "/rooms/e/events", Client),
            };
            Assert.True(spent.IsSuccessStatusCode, $"spending request {i}: {spent.StatusCode}");
        }

        switch (transport)
        {
            case "websocket":
                {
                    using var socket = new ClientWebSocket();
                    socket.Options.CollectHttpResponseDetails = true;
                    socket.Options.SetRequestHeader("X-Forwarded-For", Client);
                    await Assert.ThrowsAnyAsync<WebSocketException>(() => socket.ConnectAsync(WsUri(gateway, "/rooms/e/events"), CancellationToken.None));
                    Assert.Equal(HttpStatusCode.TooManyRequests, socket.HttpStatusCode);
                    Assert.True(socket.HttpResponseHeaders!.ContainsKey("Retry-After"));
                    break;
                }

            case "sse":
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, "/rooms/e/events");
                    request.Headers.Accept.ParseAdd("text/event-stream");
                    request.Headers.Add("X-Forwarded-For", Client);
                    using var response = await gateway.PublicClient.SendAsync(request);
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                    Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
                    var body = await response.Content.ReadAsStringAsync();
                    Assert.StartsWith("retry: ", body, StringComparison.Ordinal);
                    Assert.Contains("event: gateway.reconnect", body, StringComparison.Ordinal);
                    Assert.Contains("\"reason\":\"client_rate\"", body, StringComparison.Ordinal);
                    break;
                }

            default:
                {
                    using var response = transport switch
                    {
                        "negotiate" => await NegotiateAsync(gateway, "/rooms/e/events", Client),
                        "publish" => await PostAsync(gateway, "/rooms/e/events", Client),
                        _ => await SendAsync(gateway, HttpMethod.Get, $"/rooms/e/events?transport={transport}", Client),
                    };
                    Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
                    Assert.True(response.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
                    var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString();
                    Assert.Equal(transport switch { "publish" => "rate_limited", "longpolling" or "polling" => "client_poll_rate", _ => "client_rate" }, error);
                    break;
                }
        }
    }

    [Fact]
    public async Task RouteOverrides_RateLimiterPolicyDisable_AndPushPublishBurst_AreHonoured()
    {
        await using var gateway = await StartAsync();
        for (var i = 0; i < 8; i++)
        {
            using var free = await PostAsync(gateway, "/free/f/events", "192.0.2.8");
            Assert.Equal(HttpStatusCode.Accepted, free.StatusCode);
        }

        var wide = new List<HttpStatusCode>();
        for (var i = 0; i < 12; i++)
        {
            using var r = await PostAsync(gateway, "/wide/f/events", "192.0.2.8");
            wide.Add(r.StatusCode);
        }

        Assert.Equal(10, wide.Count(s => s == HttpStatusCode.Accepted));
    }

    private Task<GatewayInstance> StartAsync(params string[] extraArgs) =>
        GatewayInstance.StartAsync(new GatewayLaunchOptions { ConfigJson = Config, BrokerKind = "Memory", BrokerUrl = nats.Url, Output = output, ExtraArgs = extraArgs });

    private static Task<HttpResponseMessage> PostAsync(GatewayInstance gateway, string path, string client)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent("{\"m\":1}", Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Forwarded-For", client);
        return gateway.PublicClient.SendAsync(request);
    }

    private static Task<HttpResponseMessage> NegotiateAsync(GatewayInstance gateway, string path, string client) =>
        SendAsync(gateway, HttpMethod.Post, path + "/negotiate", client);

    private static Task<HttpResponseMessage> SendAsync(GatewayInstance gateway, HttpMethod method, string path, string client)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("X-Forwarded-For", client);
        return gateway.PublicClient.SendAsync(request);
    }

    private static Uri WsUri(GatewayInstance gateway, string path) => new(gateway.PublicUrl.Replace("http", "ws", StringComparison.Ordinal) + path);

    private static async Task<JsonElement> ReadFrameAsync(ClientWebSocket socket, Func<JsonElement, bool> match)
    {
        using var cts = new CancellationTokenSource(Timeout);
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, cts.Token);
            Assert.NotEqual(WebSocketMessageType.Close, result.MessageType);
            var frame = JsonDocument.Parse(buffer.AsMemory(0, result.Count)).RootElement.Clone();
            if (match(frame))
            {
                return frame;
            }
        }
    }
}
