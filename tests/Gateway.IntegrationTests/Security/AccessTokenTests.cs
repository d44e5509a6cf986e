using System.Net;
using System.Security.Claims;
using System.Text;
using Gateway.IntegrationTests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.IntegrationTests.Security;

/// <summary>
/// <c>access_token</c> in the query is a push-only concession (EventSource and browser WebSockets cannot set headers):
/// refused on REST routes, never forwarded to a backend, never written to the logs (docs/security.md).
/// </summary>
[Collection(NatsCollection.Name)]
public sealed class AccessTokenTests(NatsServerFixture nats, ITestOutputHelper output)
{
    private const string Key = "a-test-signing-key-that-is-long-enough-32b";

    private static string Token() =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "tests",
            Audience = "gateway-tests",
            Subject = new ClaimsIdentity([new Claim("sub", "alice")]),
            Expires = DateTime.UtcNow.AddMinutes(5),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(Key)), SecurityAlgorithms.HmacSha256),
        });

    [Fact]
    public async Task AccessTokenQuery_OnlyOnPushStreams_NeverForwarded_NeverLogged()
    {
        await using var backend = await TestBackend.StartAsync(app => app.Map("/{**path}", () => "{}"), output);
        var config = $$"""
            {
              "Logging": { "LogLevel": { "Default": "Information", "Microsoft.AspNetCore.Hosting.Diagnostics": "Information", "Yarp": "Information" } },
              "Gateway": { "Auth": { "SigningKey": "{{Key}}", "Issuer": "tests", "Audience": "gateway-tests" } },
              "ReverseProxy": {
                "Routes": {
                  "items": { "ClusterId": "backend", "AuthorizationPolicy": "default", "Match": { "Path": "/items/{id}" } },
                  "private": { "ClusterId": "backend", "AuthorizationPolicy": "default", "Match": { "Path": "/private/{id}/events" }, "Metadata": { "Push.Subject": "private.{id}" } }
                },
                "Clusters": { "backend": { "Destinations": { "one": { "Address": "{{backend.Url}}/" } } } }
              }
            }
            """;
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, config, output, "Memory"));
        var token = Token();

        // A REST route ignores a query token: 401, and the backend never sees the request.
        using (var rest = await gateway.PublicClient.GetAsync($"/items/1?access_token={token}"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, rest.StatusCode);
        }

        Assert.Equal(0, backend.RequestCount);

        // A push stream takes it (negotiate, then a plain GET that falls through to the backend), and strips it.
        using (var negotiate = await gateway.PublicClient.PostAsync($"/private/1/events/negotiate?access_token={token}", null))
        {
            Assert.Equal(HttpStatusCode.OK, negotiate.StatusCode);
        }

        using (var plain = await gateway.PublicClient.GetAsync($"/private/1/events?before=1&access_token={token}&after=2"))
        {
            Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        }

        var forwarded = Assert.Single(backend.Requests);
        Assert.Equal("/private/1/events", forwarded.Path);
        Assert.DoesNotContain("access_token", forwarded.QueryString, StringComparison.Ordinal);
        Assert.Contains("before=1", forwarded.QueryString, StringComparison.Ordinal);
        Assert.Contains("after=2", forwarded.QueryString, StringComparison.Ordinal);

        // The header still works everywhere.
        using var withHeader = new HttpRequestMessage(HttpMethod.Get, "/items/1");
        withHeader.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using (var rest = await gateway.PublicClient.SendAsync(withHeader))
        {
            Assert.Equal(HttpStatusCode.OK, rest.StatusCode);
        }

        Assert.NotEmpty(gateway.Logs);
        var signature = token[(token.LastIndexOf('.') + 1)..];
        Assert.DoesNotContain(gateway.Logs, line => line.Contains(signature, StringComparison.Ordinal));
    }
}
