using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Security;

/// <summary>
/// Route values carrying every subject separator, wildcard, control and non-ASCII character, on every transport and on
/// the management port's publish: each is a 400 before any subject exists (a JSON <c>invalid_route_value</c>, or
/// Kestrel's own 400 for bytes it refuses in a path), never a 5xx, never a publish (docs/security.md, "Route values").
/// </summary>
[Collection(NatsCollection.Name)]
public sealed class RouteValueAttackTests(NatsServerFixture nats, ITestOutputHelper output)
{
    private const string Config = """
        {
          "Gateway": { "Limits": {
            "ConnectRatePerClient": 100000, "ConnectBurstPerClient": 100000, "PollRatePerClient": 100000, "PollBurstPerClient": 100000,
            "PublishRatePerClient": 100000, "PublishBurstPerClient": 100000 } },
          "ReverseProxy": {
            "Routes": {
              "room": { "Match": { "Path": "/rooms/{room}/events" }, "Metadata": { "Push.Subject": "rv.{room}", "Push.Upstream": "rv.{room}.in" } }
            },
            "Clusters": {}
          }
        }
        """;

    /// <summary>Percent-encoded as they go on the wire: separators, wildcards, whitespace, C0 controls, DEL, line separators, non-ASCII, too long.</summary>
    public static readonly string[] Values =
    [
        "a.b", "a*b", "a%3Eb", ">", "a%20b", "a%00b", "a%0A", "a%0D%0Ab", "a%09b", "a%0Bb", "a%0Cb", "a%1Bb", "a%7Fb", "a%E2%80%A8b",
        "a%C3%A9b", "a%2Fb", "a%5Cb", "a:b", "a;b", "a,b", "a$b", "a%25b", "a+b", "a=b", "a@b", "a!b", "a~b", "a'b", "a(b", "a%22b",
        "a%3Cb", "a%7Bb", "a%7Cb", "a%5Bb", "a%23b", new string('a', 129),
    ];

    [Theory]
    [InlineData("websocket")]
    [InlineData("sse")]
    [InlineData("longpolling")]
    [InlineData("polling")]
    [InlineData("negotiate")]
    [InlineData("upstream")]
    public async Task UnsafeRouteValue_Is400_OnEveryTransport_NeverASubject(string transport)
    {
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config, output, "Memory"));
        foreach (var value in Values)
        {
            var (status, error) = await SendAsync(gateway, transport, $"/rooms/{value}/events");
            Assert.True(status == HttpStatusCode.BadRequest, $"{transport} {value}: {(int)status} {error}");
            Assert.True(error is null or "invalid_route_value", $"{transport} {value}: {error}");
        }

        var (ok, _) = await SendAsync(gateway, transport, "/rooms/fine_value-1/events");
        Assert.True(ok is HttpStatusCode.OK or HttpStatusCode.Accepted or HttpStatusCode.SwitchingProtocols, $"{transport}: {(int)ok}");
    }

    [Fact]
    public async Task ManagementPublish_UnsafeSubject_Is400()
    {
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config, output, "Memory"));
        foreach (var value in Values.Where(v => v != "a.b").Concat(["a..b", ".a", "a.", "a.>", "a.*"]))
        {
            using var content = new StringContent("{}", Encoding.UTF8, "application/json");
            using var response = await gateway.ManagementClient.PostAsync($"/publish/rv.{value}", content);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{value}: {(int)response.StatusCode}");
        }
    }

    /// <summary>The status and, when the answer is JSON, its <c>error</c>.</summary>
    private static async Task<(HttpStatusCode Status, string? Error)> SendAsync(GatewayInstance gateway, string transport, string path)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        if (transport == "websocket")
        {
            using var socket = new ClientWebSocket();
            socket.Options.CollectHttpResponseDetails = true;
            try
            {
                await socket.ConnectAsync(new Uri(gateway.PublicUrl.Replace("http", "ws", StringComparison.Ordinal) + path), cts.Token);
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token);
            }
            catch (WebSocketException)
            {
            }

            return (socket.HttpStatusCode, null);
        }

        using var request = transport switch
        {
            "sse" => new HttpRequestMessage(HttpMethod.Get, path) { Headers = { { "Accept", "text/event-stream" } } },
            "longpolling" => new HttpRequestMessage(HttpMethod.Get, path + "?transport=longpolling&wait=1"),
            "polling" => new HttpRequestMessage(HttpMethod.Get, path + "?transport=polling"),
            "negotiate" => new HttpRequestMessage(HttpMethod.Post, path + "/negotiate"),
            _ => new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent("{\"m\":1}", Encoding.UTF8, "application/json") },
        };
        using var response = await gateway.PublicClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        if (response.Content.Headers.ContentType?.MediaType != "application/json")
        {
            return (response.StatusCode, null);
        }

        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cts.Token);
        return (response.StatusCode, body.TryGetProperty("error", out var error) ? error.GetString() : null);
    }
}
