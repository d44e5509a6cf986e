using System.Net;
using System.Net.Sockets;
using System.Security.Claims;
using System.Text;
using Gateway.IntegrationTests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.IntegrationTests.Security;

/// <summary>Header spoofing and request smuggling probes against a proxied route, on raw sockets (docs/security.md, "Forwarding").</summary>
[Collection(NatsCollection.Name)]
public sealed class ForwardingTests(NatsServerFixture nats, ITestOutputHelper output)
{
    private const string Key = "a-test-signing-key-that-is-long-enough-32b";

    private static string Config(string backendUrl) => $$"""
        {
          "Gateway": { "Auth": { "SigningKey": "{{Key}}", "Issuer": "tests", "Audience": "gateway-tests" } },
          "ReverseProxy": {
            "Routes": {
              "items": { "ClusterId": "backend", "Match": { "Path": "/items/{id}" } },
              "mine": { "ClusterId": "backend", "AuthorizationPolicy": "default", "Match": { "Path": "/mine/{id}" } }
            },
            "Clusters": { "backend": { "Destinations": { "one": { "Address": "{{backendUrl}}/" } } } }
          }
        }
        """;

    private static Task<TestBackend> BackendAsync(ITestOutputHelper output) => TestBackend.StartAsync(
        app => app.Map("/{**path}", (HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "public, max-age=60, s-maxage=600";
            return "{}";
        }),
        output);

    [Fact]
    public async Task SpoofedForwardingHeaders_AreReplacedByTheGateways()
    {
        await using var backend = await BackendAsync(output);
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config(backend.Url), output, "Memory"));

        using var request = new HttpRequestMessage(HttpMethod.Get, "/items/1");
        request.Headers.Add("X-Forwarded-For", "6.6.6.6");
        request.Headers.Add("X-Forwarded-Host", "evil.example");
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("Forwarded", "for=6.6.6.6;host=evil.example;proto=https");
        using var response = await gateway.PublicClient.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var seen = Assert.Single(backend.Requests).Headers;
        Assert.Equal("127.0.0.1", seen["X-Forwarded-For"]);
        Assert.Equal(new Uri(gateway.PublicUrl).Authority, seen["X-Forwarded-Host"]);
        Assert.Equal("http", seen["X-Forwarded-Proto"]);
        Assert.False(seen.ContainsKey("Forwarded"), "client Forwarded header reached the backend");
    }

    /// <summary>RFC 9110 7.6.1: the standard hop-by-hop headers end at the gateway; end-to-end headers pass.</summary>
    [Fact]
    public async Task HopByHopHeaders_NeverReachTheBackend()
    {
        await using var backend = await BackendAsync(output);
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config(backend.Url), output, "Memory"));

        var text = await SendRawAsync(gateway, "GET /items/1 HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n" +
            "Keep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\nTE: gzip\r\nProxy-Authorization: Basic Zm9vOmJhcg==\r\nX-End-To-End: 1\r\n\r\n" +
            "GET /items/2 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 200", text, StringComparison.Ordinal);
        var seen = Assert.Single(backend.Requests, r => r.Path == "/items/1").Headers;
        foreach (var hop in new[] { "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Proxy-Authorization" })
        {
            Assert.False(seen.ContainsKey(hop), $"{hop} reached the backend");
        }

        Assert.Equal("1", seen["X-End-To-End"]);
    }

    [Theory]
    [InlineData("two-content-lengths", "POST /items/1 HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 30\r\n\r\nxGET /items/2 HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData("obs-fold", "GET /items/1 HTTP/1.1\r\nHost: a\r\nX-Folded: a\r\n b\r\n\r\n")]
    [InlineData("te-not-chunked", "POST /items/1 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n")]
    [InlineData("space-before-colon", "GET /items/1 HTTP/1.1\r\nHost: a\r\nContent-Length : 0\r\n\r\n")]
    public async Task SmugglingProbe_Is400_AndNeverReachesTheBackend(string probe, string raw)
    {
        await using var backend = await BackendAsync(output);
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config(backend.Url), output, "Memory"));
        var text = await SendRawAsync(gateway, raw);

        Assert.True(text.StartsWith("HTTP/1.1 400", StringComparison.Ordinal), $"{probe}: {text[..Math.Min(text.Length, 80)]}");
        Assert.Equal(0, backend.RequestCount);
    }

    /// <summary>
    /// Kestrel follows RFC 9112 6.3: Transfer-Encoding wins over Content-Length, and the connection is closed after the
    /// answer, so bytes smuggled behind the chunked body are never read as a second request.
    /// </summary>
    [Fact]
    public async Task ContentLengthAndChunked_ChunkedWins_SmuggledRequestNeverRuns()
    {
        await using var backend = await BackendAsync(output);
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config(backend.Url), output, "Memory"));

        var text = await SendRawAsync(gateway, "POST /items/1 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /items/2 HTTP/1.1\r\nHost: a\r\n\r\n");

        Assert.Contains("Connection: close", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(backend.Requests, r => r.Path == "/items/2");
        Assert.All(backend.Requests, r => Assert.Equal("/items/1", r.Path));
    }

    private static async Task<string> SendRawAsync(GatewayInstance gateway, string raw)
    {
        var endpoint = new Uri(gateway.PublicUrl);
        using var socket = new TcpClient();
        await socket.ConnectAsync(endpoint.Host, endpoint.Port);
        var stream = socket.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(raw));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[4096];
        var answer = new StringBuilder();
        int read;
        while ((read = await stream.ReadAsync(buffer, cts.Token)) > 0)
        {
            answer.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        return answer.ToString();
    }

    [Fact]
    public async Task AuthenticatedAnswer_IsPrivate_AnonymousKeepsTheBackendsCaching()
    {
        await using var backend = await BackendAsync(output);
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config(backend.Url), output, "Memory"));
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "tests",
            Audience = "gateway-tests",
            Subject = new ClaimsIdentity([new Claim("sub", "alice")]),
            Expires = DateTime.UtcNow.AddMinutes(5),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(Key)), SecurityAlgorithms.HmacSha256),
        });

        using var request = new HttpRequestMessage(HttpMethod.Get, "/mine/1");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var mine = await gateway.PublicClient.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, mine.StatusCode);
        Assert.True(mine.Headers.CacheControl!.Private, mine.Headers.CacheControl.ToString());
        Assert.False(mine.Headers.CacheControl.Public);
        Assert.Null(mine.Headers.CacheControl.SharedMaxAge);
        Assert.Contains("Authorization", mine.Headers.Vary);

        using var anonymous = await gateway.PublicClient.GetAsync("/items/1");
        Assert.True(anonymous.Headers.CacheControl!.Public);
    }
}
