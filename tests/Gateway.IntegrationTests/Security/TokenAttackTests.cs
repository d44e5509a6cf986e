using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Gateway.IntegrationTests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.IntegrationTests.Security;

/// <summary>Tokens an attacker can produce: expired, wrongly signed, alg none, another issuer or audience; each is a JSON 401 (docs/security.md).</summary>
[Collection(NatsCollection.Name)]
public sealed class TokenAttackTests(NatsServerFixture nats, ITestOutputHelper output)
{
    private const string Key = "a-test-signing-key-that-is-long-enough-32b";

    private const string Config = $$"""
        {
          "Gateway": {
            "Auth": { "SigningKey": "{{Key}}", "Issuer": "tests", "Audience": "gateway-tests", "ClockSkew": "00:00:00" },
            "Limits": { "ConnectRatePerClient": 1000, "ConnectBurstPerClient": 1000, "PollRatePerClient": 1000, "PollBurstPerClient": 1000, "PublishRatePerClient": 1000, "PublishBurstPerClient": 1000 }
          },
          "ReverseProxy": {
            "Routes": {
              "private": { "AuthorizationPolicy": "default", "Match": { "Path": "/private/{id}/events" }, "Metadata": { "Push.Subject": "private.{id}", "Push.Upstream": "private.{id}.in" } }
            },
            "Clusters": {}
          }
        }
        """;

    private static string Token(string issuer = "tests", string audience = "gateway-tests", string key = Key, TimeSpan? lifetime = null) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Subject = new ClaimsIdentity([new Claim("sub", "mallory")]),
            NotBefore = DateTime.UtcNow.AddMinutes(-10),
            Expires = DateTime.UtcNow + (lifetime ?? TimeSpan.FromMinutes(5)),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
        });

    private static string AlgNone()
    {
        static string Segment(string json) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(json));
        var exp = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds();
        return Segment("""{"alg":"none","typ":"JWT"}""") + "." + Segment($$"""{"sub":"mallory","iss":"tests","aud":"gateway-tests","exp":{{exp}}}""") + ".";
    }

    [Fact]
    public async Task ForgedOrForeignTokens_Are401Json_TheRightTokenIsAccepted()
    {
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config, output, "Memory"));

        var attacks = new Dictionary<string, string>
        {
            ["expired"] = Token(lifetime: TimeSpan.FromMinutes(-1)),
            ["wrong key"] = Token(key: "another-key-that-is-also-long-enough-32b"),
            ["alg none"] = AlgNone(),
            ["other issuer"] = Token(issuer: "someone-else"),
            ["other audience"] = Token(audience: "another-service"),
            ["no audience"] = Token(audience: null!),
        };

        foreach (var (name, token) in attacks)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/private/1/events/negotiate");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            using var response = await gateway.PublicClient.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{name}: {(int)response.StatusCode}");
            Assert.Equal("unauthorized", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        }

        using var good = new HttpRequestMessage(HttpMethod.Post, "/private/1/events/negotiate");
        good.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token());
        using var ok = await gateway.PublicClient.SendAsync(good);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    /// <summary>The same tokens on every transport: JSON 401, or close 4401 after a WebSocket upgrade (a browser cannot read a refused upgrade's status).</summary>
    [Theory]
    [InlineData("websocket")]
    [InlineData("sse")]
    [InlineData("longpolling")]
    [InlineData("polling")]
    [InlineData("upstream")]
    public async Task ForgedOrForeignTokens_AreRefused_OnEveryTransport(string transport)
    {
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config, output, "Memory"));
        var attacks = new Dictionary<string, string>
        {
            ["expired"] = Token(lifetime: TimeSpan.FromMinutes(-1)),
            ["wrong key"] = Token(key: "another-key-that-is-also-long-enough-32b"),
            ["alg none"] = AlgNone(),
            ["other issuer"] = Token(issuer: "someone-else"),
            ["other audience"] = Token(audience: "another-service"),
            ["garbage"] = "not.a.jwt",
        };

        foreach (var (name, token) in attacks)
        {
            Assert.True(await AnswerAsync(gateway, transport, token) == "401", $"{transport} {name}: {await AnswerAsync(gateway, transport, token)}");
        }

        Assert.Equal("ok", await AnswerAsync(gateway, transport, Token()));
    }

    /// <summary>"401" for a refusal (status 401 with the JSON error, or close 4401), "ok" when admitted, else what happened.</summary>
    private static async Task<string> AnswerAsync(GatewayInstance gateway, string transport, string token)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        if (transport == "websocket")
        {
            using var socket = new System.Net.WebSockets.ClientWebSocket();
            socket.Options.CollectHttpResponseDetails = true;
            socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
            try
            {
                await socket.ConnectAsync(new Uri(gateway.PublicUrl.Replace("http", "ws", StringComparison.Ordinal) + "/private/1/events"), cts.Token);
            }
            catch (System.Net.WebSockets.WebSocketException)
            {
                return socket.HttpStatusCode == HttpStatusCode.Unauthorized ? "401" : $"status {(int)socket.HttpStatusCode}";
            }

            // Admitted sessions send a welcome or nothing; a refused one is closed with 4401 at once.
            using var first = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                var buffer = new byte[4096];
                var result = await socket.ReceiveAsync(buffer, first.Token);
                return result.MessageType == System.Net.WebSockets.WebSocketMessageType.Close
                    ? ((int?)socket.CloseStatus == 4401 ? "401" : $"close {(int?)socket.CloseStatus}")
                    : "ok";
            }
            catch (OperationCanceledException)
            {
                return "ok";
            }
        }

        using var request = transport switch
        {
            "sse" => new HttpRequestMessage(HttpMethod.Get, "/private/1/events") { Headers = { { "Accept", "text/event-stream" } } },
            "longpolling" => new HttpRequestMessage(HttpMethod.Get, "/private/1/events?transport=longpolling&wait=1"),
            "polling" => new HttpRequestMessage(HttpMethod.Get, "/private/1/events?transport=polling"),
            _ => new HttpRequestMessage(HttpMethod.Post, "/private/1/events") { Content = new StringContent("{}", Encoding.UTF8, "application/json") },
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var response = await gateway.PublicClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            var error = (await response.Content.ReadFromJsonAsync<JsonElement>(cts.Token)).GetProperty("error").GetString();
            return error == "unauthorized" ? "401" : $"401 {error}";
        }

        return response.IsSuccessStatusCode ? "ok" : $"status {(int)response.StatusCode}";
    }
}
