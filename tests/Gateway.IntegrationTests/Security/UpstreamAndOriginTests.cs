using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Security;

/// <summary>
/// HTTP upstream only as <c>application/json</c> from an allowed Origin, and the Origin check on every browser entry
/// point (WebSocket, credentialed SSE, upstream POST), scheme included (docs/security.md, "HTTP upstream", "Origins").
/// </summary>
[Collection(NatsCollection.Name)]
public sealed class UpstreamAndOriginTests(NatsServerFixture nats, ITestOutputHelper output)
{
    private const string Config = $$"""
        {
          "Gateway": {
            "Auth": {{TestTokens.AuthJson}},
            "Push": { "AllowedOrigins": [ "https://app.example" ] },
            "Limits": { "PublishRatePerClient": 1000, "PublishBurstPerClient": 1000, "ConnectRatePerClient": 1000, "ConnectBurstPerClient": 1000 }
          },
          "ReverseProxy": {
            "Routes": {
              "room": { "Match": { "Path": "/rooms/{room}/events" }, "Metadata": { "Push.Subject": "rooms.{room}", "Push.Upstream": "rooms.{room}.in" } }
            },
            "Clusters": {}
          }
        }
        """;

    [Fact]
    public async Task UpstreamPost_NeedsApplicationJson_AndAnAllowedOrigin()
    {
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config, output, "Memory"));
        var own = gateway.PublicUrl;
        var swappedOwn = "https://" + new Uri(own).Authority;

        // (content type, Origin) -> (status, error)
        var cases = new (string? Type, string? Origin, HttpStatusCode Status, string? Error)[]
        {
            ("text/plain", null, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type"),
            ("text/plain;charset=UTF-8", "https://evil.example", HttpStatusCode.Forbidden, "origin_not_allowed"),
            ("application/x-www-form-urlencoded", null, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type"),
            ("multipart/form-data; boundary=x", null, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type"),
            (null, null, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type"),
            ("application/json; charset=iso-8859-1", null, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type"),
            ("application/json", "https://evil.example", HttpStatusCode.Forbidden, "origin_not_allowed"),
            ("application/json", "null", HttpStatusCode.Forbidden, "origin_not_allowed"),
            ("application/json", "http://app.example", HttpStatusCode.Forbidden, "origin_not_allowed"),
            ("application/json", swappedOwn, HttpStatusCode.Forbidden, "origin_not_allowed"),
            ("application/json", own, HttpStatusCode.Accepted, null),
            ("application/json", "https://app.example", HttpStatusCode.Accepted, null),
            ("application/json; charset=utf-8", null, HttpStatusCode.Accepted, null),
        };

        foreach (var (type, origin, status, error) in cases)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/rooms/a/events") { Content = new ByteArrayContent("{\"m\":1}"u8.ToArray()) };
            if (type is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", type);
            }

            if (origin is not null)
            {
                request.Headers.Add("Origin", origin);
            }

            using var response = await gateway.PublicClient.SendAsync(request);
            Assert.True(response.StatusCode == status, $"{type} from {origin}: {(int)response.StatusCode}");
            if (error is not null)
            {
                Assert.Equal(error, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
            }
        }

        var metrics = await gateway.ManagementClient.GetStringAsync("/metrics");
        Assert.Contains("gateway_upstream_messages_total{route=\"room\",result=\"published\"} 3", metrics, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("websocket", "https://evil.example")]
    [InlineData("websocket", "null")]
    [InlineData("websocket", "http://app.example")]
    [InlineData("websocket", "https://{own}")]
    [InlineData("sse", "https://evil.example")]
    [InlineData("sse", "http://app.example")]
    [InlineData("sse", "https://{own}")]
    public async Task ForeignOrSchemeSwappedOrigin_IsRefused403_OwnAndListedOriginsConnect(string transport, string origin)
    {
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config, output, "Memory"));
        var authority = new Uri(gateway.PublicUrl).Authority;
        origin = origin.Replace("{own}", authority, StringComparison.Ordinal);

        var open = transport == "websocket" ? HttpStatusCode.SwitchingProtocols : HttpStatusCode.OK;
        Assert.Equal(HttpStatusCode.Forbidden, await OpenAsync(gateway, transport, origin));
        Assert.Equal(open, await OpenAsync(gateway, transport, "http://" + authority));
        Assert.Equal(open, await OpenAsync(gateway, transport, "https://app.example"));
    }

    /// <summary>Opens the stream with <paramref name="origin"/> and a bearer token (credentialed); the status of the handshake.</summary>
    private static async Task<HttpStatusCode> OpenAsync(GatewayInstance gateway, string transport, string origin)
    {
        var token = TestTokens.For("alice");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        if (transport == "websocket")
        {
            using var socket = new ClientWebSocket();
            socket.Options.CollectHttpResponseDetails = true;
            socket.Options.SetRequestHeader("Origin", origin);
            socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
            try
            {
                await socket.ConnectAsync(new Uri(gateway.PublicUrl.Replace("http", "ws", StringComparison.Ordinal) + "/rooms/a/events"), cts.Token);
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token);
            }
            catch (WebSocketException)
            {
            }

            return socket.HttpStatusCode;
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, "/rooms/a/events");
        request.Headers.Add("Accept", "text/event-stream");
        request.Headers.Add("Origin", origin);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var response = await gateway.PublicClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        return response.StatusCode;
    }
}
