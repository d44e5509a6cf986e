using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.IntegrationTests.Transports;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.IntegrationTests.Auth;

/// <summary>JWT bearer on push routes: header or access_token, JSON 401/403, WebSocket 4401/4403, sessions end when the token does.</summary>
[Collection(NatsCollection.Name)]
public sealed class AuthTests(NatsServerFixture nats, ITestOutputHelper output)
{
    private const string Key = "a-test-signing-key-that-is-long-enough-32b";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private const string Config = $$"""
        {
          "Gateway": {
            "Auth": { "SigningKey": "{{Key}}", "Issuer": "tests", "Audience": "gateway-tests", "ClockSkew": "00:00:00", "Policies": { "traders": { "role": [ "trader" ] } } },
            "Limits": { "ConnectRatePerClient": 1000, "ConnectBurstPerClient": 1000 }
          },
          "ReverseProxy": {
            "Routes": {
              "private": { "AuthorizationPolicy": "default", "Match": { "Path": "/private/{id}/events" }, "Metadata": { "Push.Subject": "private.{id}", "Push.Heartbeat": "00:00:01" } },
              "trading": { "AuthorizationPolicy": "traders", "Match": { "Path": "/trading/{id}/events" }, "Metadata": { "Push.Subject": "trading.{id}" } },
              "public": { "Match": { "Path": "/public/{id}/events" }, "Metadata": { "Push.Subject": "public.{id}" } },
              "users": { "Match": { "Path": "/users/{user}/events" }, "Metadata": { "Push.Subject": "users.{user}", "Push.Upstream": "users.{user}.in", "Push.RequireClaim": "sub={user}" } }
            },
            "Clusters": {}
          }
        }
        """;

    private static string Token(TimeSpan lifetime, string? role = null, string key = Key, string issuer = "tests", string audience = "gateway-tests")
    {
        var claims = new List<Claim> { new("sub", "alice") };
        if (role is not null)
        {
            claims.Add(new Claim("role", role));
        }

        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Subject = new ClaimsIdentity(claims),
            NotBefore = DateTime.UtcNow.AddMinutes(-1),
            Expires = DateTime.UtcNow + lifetime,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
        });
    }

    [Fact]
    public async Task ProtectedRoute_WithoutOrWithBadToken_Is401Json_WithTokenInHeaderOrQuery_Works()
    {
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config, output, "Memory"));

        using (var anonymous = await gateway.PublicClient.PostAsync("/private/1/events/negotiate", null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Equal("unauthorized", (await anonymous.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        }

        using (var forged = await gateway.PublicClient.PostAsync("/private/1/events/negotiate?access_token=" + Token(TimeSpan.FromMinutes(5), key: "another-key-that-is-also-long-enough-32b"), null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        }

        using (var header = new HttpRequestMessage(HttpMethod.Post, "/private/1/events/negotiate"))
        {
            header.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token(TimeSpan.FromMinutes(5)));
            using var ok = await gateway.PublicClient.SendAsync(header);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        var token = Token(TimeSpan.FromMinutes(5));
        var items = await RawPushClient.CollectAsync(RawPushClient.StreamAsync("longpolling", gateway.PublicUrl, "/private/1/events?access_token=" + token, null, CancellationToken.None),
            got => got.Count > 0, Timeout);
        Assert.NotEqual(PushItemKind.Closed, items[0].Kind);

        using (var open = await gateway.PublicClient.GetAsync("/public/1/events?transport=polling"))
        {
            Assert.Equal(HttpStatusCode.OK, open.StatusCode);
        }
    }

    [Fact]
    public async Task WebSocket_WithoutToken_Closes4401_WithoutTheRole_Closes4403()
    {
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config, output, "Memory"));
        var ws = gateway.PublicUrl.Replace("http", "ws", StringComparison.Ordinal);
        Assert.Equal(4401, await CloseCodeAsync(new Uri(ws + "/private/1/events")));
        Assert.Equal(4403, await CloseCodeAsync(new Uri(ws + "/trading/1/events?access_token=" + Token(TimeSpan.FromMinutes(5)))));

        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri(ws + "/trading/1/events?access_token=" + Token(TimeSpan.FromMinutes(5), role: "trader")), CancellationToken.None);
        Assert.Equal(WebSocketState.Open, socket.State);
    }

    [Fact]
    public async Task RequireClaim_OwnSubjectAdmitted_AnotherUsersRefusedOnEveryEntryPoint()
    {
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config, output, "Memory"));
        var alice = Token(TimeSpan.FromMinutes(5));

        // Her own subject: every transport and negotiate.
        using (var own = await gateway.PublicClient.GetAsync("/users/alice/events?transport=polling&access_token=" + alice))
        {
            Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        }

        using (var negotiate = await gateway.PublicClient.PostAsync("/users/alice/events/negotiate?access_token=" + alice, null))
        {
            Assert.Equal(HttpStatusCode.OK, negotiate.StatusCode);
        }

        // Bob's subject with Alice's token: 403 on polls, negotiate, SSE and upstream publishes; 4403 on WebSocket.
        foreach (var request in new Func<HttpRequestMessage>[]
        {
            () => new HttpRequestMessage(HttpMethod.Get, "/users/bob/events?transport=polling&access_token=" + alice),
            () => new HttpRequestMessage(HttpMethod.Get, "/users/bob/events?transport=longpolling&access_token=" + alice),
            () => new HttpRequestMessage(HttpMethod.Post, "/users/bob/events/negotiate?access_token=" + alice),
            () => new HttpRequestMessage(HttpMethod.Get, "/users/bob/events?access_token=" + alice) { Headers = { { "Accept", "text/event-stream" } } },
            () => new HttpRequestMessage(HttpMethod.Post, "/users/bob/events")
            {
                Headers = { { "Authorization", "Bearer " + alice } },
                Content = new StringContent("{\"x\":1}", Encoding.UTF8, "application/json"),
            },
        })
        {
            using var message = request();
            using var refused = await gateway.PublicClient.SendAsync(message);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Equal("forbidden", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        }

        var ws = gateway.PublicUrl.Replace("http", "ws", StringComparison.Ordinal);
        Assert.Equal(4403, await CloseCodeAsync(new Uri(ws + "/users/bob/events?access_token=" + alice)));

        // Without a token the route asks for one.
        using (var anonymous = await gateway.PublicClient.GetAsync("/users/alice/events?transport=polling"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }
    }

    [Fact]
    public async Task Polls_ForAuthenticatedRequests_ArePrivate_AlsoTheir304s()
    {
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config, output, "Memory"));
        using var first = new HttpRequestMessage(HttpMethod.Get, "/private/7/events?transport=polling");
        first.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token(TimeSpan.FromMinutes(5)));
        using var ok = await gateway.PublicClient.SendAsync(first);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.True(ok.Headers.CacheControl!.Private, "a 200 poll for a token is private");
        Assert.True(ok.Headers.CacheControl.NoCache);
        Assert.Contains("Authorization", ok.Headers.Vary);

        using var again = new HttpRequestMessage(HttpMethod.Get, "/private/7/events?transport=polling");
        again.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token(TimeSpan.FromMinutes(5)));
        again.Headers.IfNoneMatch.Add(ok.Headers.ETag!);
        using var notModified = await gateway.PublicClient.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.True(notModified.Headers.CacheControl!.Private, "its 304 too");

        using var anonymous = await gateway.PublicClient.GetAsync("/public/7/events?transport=polling");
        Assert.False(anonymous.Headers.CacheControl!.Private);
        Assert.True(anonymous.Headers.CacheControl.NoCache);
    }

    [Fact]
    public async Task TokenExpiresDuringTheSession_WebSocketCloses4401_SseGetsReconnectAdvice()
    {
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config, output, "Memory"));
        var token = Token(TimeSpan.FromSeconds(8));
        var ws = new Uri(gateway.PublicUrl.Replace("http", "ws", StringComparison.Ordinal) + "/private/2/events?access_token=" + token);
        var wsClose = CloseAsync(ws);
        var sse = RawPushClient.CollectAsync(RawPushClient.SseAsync(gateway.PublicUrl, "/private/2/events?access_token=" + token, null, CancellationToken.None),
            got => got.Any(i => i.Kind is PushItemKind.Reconnect or PushItemKind.Closed), Timeout);

        // 4401 alone is also what a token refused at the upgrade gets ("unauthorized"): the session must have been
        // admitted and then ended by the expiry, which names itself.
        var (code, description) = await wsClose;
        Assert.Equal(4401, code);
        Assert.Equal("token_expired", description);
        Assert.Equal("token_expired", (await sse).First(i => i.Kind is PushItemKind.Reconnect or PushItemKind.Closed).Reason);
    }

    private static async Task<int> CloseCodeAsync(Uri uri) => (await CloseAsync(uri)).Code;

    private static async Task<(int Code, string? Description)> CloseAsync(Uri uri)
    {
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(uri, CancellationToken.None);
        var buffer = new byte[4096];
        using var cts = new CancellationTokenSource(Timeout);
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, cts.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return ((int)result.CloseStatus!, result.CloseStatusDescription);
            }
        }
    }
}
