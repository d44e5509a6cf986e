using System.Globalization;
using System.Security.Claims;
using System.Text;
using Gateway.IntegrationTests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.BrowserTests;

/// <summary>
/// The gateway the multiplexing page tests run against: three public push routes (<c>/a</c>, <c>/b</c>, <c>/c</c>) and
/// <c>/users/{user}/events</c>, which only the token of that user may subscribe to; every route allows the same
/// <c>transports</c> (the per-route transport flags decide what the page can use), with a 1 s heartbeat (the multiplexed connection's too).
/// </summary>
internal static class MuxGatewayConfig
{
    public const string Key = "a-test-signing-key-that-is-long-enough-32b";

    public static string Json(string transports) => $$"""
        {
          "Gateway": {
            "Auth": { "SigningKey": "{{Key}}", "Issuer": "tests", "Audience": "gateway-tests" },
            "Push": { "ReconnectDelay": "00:00:00.500", "HeartbeatInterval": "00:00:01" },
            "Limits": { "MaxSessionsPerClient": 100000, "MaxPollsInFlightPerClient": 100000, "MaxNegotiationsInFlightPerClient": 100000, "GlobalConnectRate": 100000, "GlobalConnectBurst": 100000, "ConnectRatePerClient": 1000, "ConnectBurstPerClient": 5000, "PollRatePerClient": 1000, "PollBurstPerClient": 5000 }
          },
          "ReverseProxy": {
            "Routes": {
              "a": { "Match": { "Path": "/a/{id}/events" }, "Metadata": { "Push.Subject": "a.{id}", "Push.Transports": "{{transports}}", "Push.Heartbeat": "00:00:01", "Push.PollInterval": "00:00:01" } },
              "b": { "Match": { "Path": "/b/{id}/events" }, "Metadata": { "Push.Subject": "b.{id}", "Push.Transports": "{{transports}}", "Push.Heartbeat": "00:00:01", "Push.PollInterval": "00:00:01" } },
              "c": { "Match": { "Path": "/c/{id}/events" }, "Metadata": { "Push.Subject": "c.{id}", "Push.Transports": "{{transports}}", "Push.Heartbeat": "00:00:01", "Push.PollInterval": "00:00:01" } },
              "users": { "Match": { "Path": "/users/{user}/events" }, "Metadata": { "Push.Subject": "users.{user}", "Push.Transports": "{{transports}}", "Push.Heartbeat": "00:00:01", "Push.PollInterval": "00:00:01", "Push.RequireClaim": "sub={user}" } }
            },
            "Clusters": {}
          }
        }
        """;

    /// <summary>A token for <paramref name="subject"/>, valid for ten minutes.</summary>
    public static string Token(string subject) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = "tests",
        Audience = "gateway-tests",
        Subject = new ClaimsIdentity([new Claim("sub", subject)]),
        NotBefore = DateTime.UtcNow.AddMinutes(-1),
        Expires = DateTime.UtcNow.AddMinutes(10),
        SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(Key)), SecurityAlgorithms.HmacSha256),
    });

    /// <summary>Publishes <c>{"n":from..}</c> events to <paramref name="subject"/> through the management port, in order.</summary>
    public static async Task PublishAsync(GatewayInstance gateway, string subject, int from, int count)
    {
        for (var n = from; n < from + count; n++)
        {
            using var content = new StringContent($$"""{"n":{{n.ToString(CultureInfo.InvariantCulture)}}}""");
            using var response = await gateway.ManagementClient.PostAsync($"/publish/{subject}", content);
            response.EnsureSuccessStatusCode();
        }
    }

    /// <summary>The sum of a gauge over its labels in the gateway's /metrics (0 when absent).</summary>
    public static async Task<double> GaugeAsync(GatewayInstance gateway, string name)
    {
        var text = await gateway.ManagementClient.GetStringAsync("/metrics");
        return text.Split('\n')
            .Where(l => l.StartsWith(name, StringComparison.Ordinal) && (l.Length == name.Length || l[name.Length] is '{' or ' '))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }
}
