using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Gateway.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Gateway.IntegrationTests.Security;

/// <summary>
/// The management port attacked as a web page (cross-site POST, DNS rebinding) and as a client without the token would
/// (docs/security.md, "Management port"): refused; the operator with the token, and probes without it, get through.
/// </summary>
[Collection(NatsCollection.Name)]
public sealed class ManagementPortTests(NatsServerFixture nats, ITestOutputHelper output)
{
    private const string Token = "management-token-for-tests";

    private const string Config = $$"""
        {
          "Gateway": { "Management": { "Token": "{{Token}}", "AllowedHosts": [ "gateway-0.internal" ] } },
          "ReverseProxy": {
            "Routes": { "things": { "Match": { "Path": "/things/{id}/events" }, "Metadata": { "Push.Subject": "things.{id}" } } },
            "Clusters": {}
          }
        }
        """;

    private static HttpRequestMessage Request(HttpMethod method, string path, string? token = null, string? host = null, string? origin = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (host is not null)
        {
            request.Headers.Host = host;
        }

        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        if (method == HttpMethod.Post)
        {
            request.Content = new StringContent("""{"n":1}""", Encoding.UTF8, "application/json");
        }

        return request;
    }

    private static async Task<(HttpStatusCode Status, string? Error)> SendAsync(HttpClient client, HttpRequestMessage request)
    {
        using (request)
        {
            using var response = await client.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            string? error = null;
            if (response.Content.Headers.ContentType?.MediaType == "application/json" && body.StartsWith('{'))
            {
                error = JsonDocument.Parse(body).RootElement.TryGetProperty("error", out var e) ? e.GetString() : null;
            }

            return (response.StatusCode, error);
        }
    }

    [Fact]
    public async Task OperatorEndpoints_WithoutTheToken_Are401_ProbesStayOpen()
    {
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config, output, "Memory"));
        var client = gateway.ManagementClient;

        foreach (var (method, path) in new[] { (HttpMethod.Post, "/admin/drain"), (HttpMethod.Get, "/admin/routes"), (HttpMethod.Post, "/publish/things.1") })
        {
            Assert.Equal((HttpStatusCode.Unauthorized, "unauthorized"), await SendAsync(client, Request(method, path)));
            Assert.Equal((HttpStatusCode.Unauthorized, "unauthorized"), await SendAsync(client, Request(method, path, token: "not-the-management-token")));
            Assert.Equal((HttpStatusCode.Unauthorized, "unauthorized"), await SendAsync(client, Request(method, path, token: Token + "x")));
        }

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(client, Request(HttpMethod.Get, "/healthz"))).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(client, Request(HttpMethod.Get, "/readyz"))).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(client, Request(HttpMethod.Get, "/metrics"))).Status);

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(client, Request(HttpMethod.Get, "/admin/routes", Token))).Status);
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(client, Request(HttpMethod.Post, "/publish/things.1", Token))).Status);
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(client, Request(HttpMethod.Post, "/admin/drain", Token))).Status);
        using var ready = await client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("draining", (await ready.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reason").GetString());
    }

    [Theory]
    [InlineData("https://evil.example")]
    [InlineData("http://127.0.0.1")]
    [InlineData("null")]
    public async Task CrossSiteRequests_CarryingAnOrigin_Are403_EvenWithTheToken(string origin)
    {
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config, output, "Memory"));
        var client = gateway.ManagementClient;

        Assert.Equal((HttpStatusCode.Forbidden, "origin_not_allowed"), await SendAsync(client, Request(HttpMethod.Post, "/admin/drain", Token, origin: origin)));
        Assert.Equal((HttpStatusCode.Forbidden, "origin_not_allowed"), await SendAsync(client, Request(HttpMethod.Post, "/publish/things.1", Token, origin: origin)));
        Assert.Equal((HttpStatusCode.Forbidden, "origin_not_allowed"), await SendAsync(client, Request(HttpMethod.Get, "/metrics", origin: origin)));
        using var ready = await client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Theory]
    [InlineData("rebind.evil.example", HttpStatusCode.Forbidden)]
    [InlineData("localhost.evil.example:8081", HttpStatusCode.Forbidden)]
    [InlineData("localhost", HttpStatusCode.Accepted)]
    [InlineData("127.0.0.1:8081", HttpStatusCode.Accepted)]
    [InlineData("[::1]:8081", HttpStatusCode.Accepted)]
    [InlineData("gateway-0.internal:8081", HttpStatusCode.Accepted)]
    public async Task HostHeader_NotTheManagementEndpoint_Is403(string host, HttpStatusCode expected)
    {
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config, output, "Memory"));

        var (status, error) = await SendAsync(gateway.ManagementClient, Request(HttpMethod.Post, "/publish/things.1", Token, host: host));

        Assert.Equal(expected, status);
        if (expected == HttpStatusCode.Forbidden)
        {
            Assert.Equal("host_not_allowed", error);
            Assert.Equal((HttpStatusCode.Forbidden, "host_not_allowed"), await SendAsync(gateway.ManagementClient, Request(HttpMethod.Get, "/metrics", host: host)));
        }
    }

    [Fact]
    public async Task EachPort_AnswersOnlyItsOwnEndpoints()
    {
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config, output, "Memory"));

        // The public port never serves management, whatever Host the client names.
        var managementHost = new Uri(gateway.ManagementUrl).Authority;
        foreach (var (method, path) in new[] { (HttpMethod.Get, "/metrics"), (HttpMethod.Get, "/readyz"), (HttpMethod.Post, "/admin/drain"), (HttpMethod.Post, "/publish/things.1") })
        {
            var (status, _) = await SendAsync(gateway.PublicClient, Request(method, path, Token, host: managementHost));
            Assert.True(status == HttpStatusCode.NotFound, $"public {method} {path}: {(int)status}");
        }

        // The management port never serves the proxy's routes.
        Assert.Equal((HttpStatusCode.NotFound, "not_found"), await SendAsync(gateway.ManagementClient, Request(HttpMethod.Post, "/things/1/events/negotiate")));
        Assert.Equal((HttpStatusCode.NotFound, "not_found"), await SendAsync(gateway.ManagementClient, Request(HttpMethod.Get, "/_gateway/client.js")));
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(gateway.PublicClient, Request(HttpMethod.Post, "/things/1/events/negotiate"))).Status);
    }

    [Fact]
    public async Task ManagementEndpointNotOnLoopback_WithoutAToken_DoesNotStart()
    {
        var options = new GatewayLaunchOptions
        {
            ConfigJson = """{ "ReverseProxy": { "Routes": {}, "Clusters": {} } }""",
            BrokerKind = "Memory",
            Output = output,
            ExtraArgs = [$"--Kestrel:Endpoints:Management:Url=http://0.0.0.0:{FreePort.Next()}"],
        };

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => GatewayInstance.StartAsync(options));

        Assert.Contains("Gateway:Management:Token is required", failure.Message, StringComparison.Ordinal);
    }
}
