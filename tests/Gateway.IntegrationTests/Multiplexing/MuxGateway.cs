using System.Net.Http.Json;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.IntegrationTests.Transports;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.IntegrationTests.Multiplexing;

/// <summary>The configuration and helpers the multiplexed-stream tests share: routes with and without policies, claims and transport flags.</summary>
internal static class MuxGateway
{
    public const string Key = "a-test-signing-key-that-is-long-enough-32b";

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static string Config(int maxSubscriptions = 100, int subscribeRate = 100, int maxCursorLength = 4096) => $$"""
        {
          "Gateway": {
            "Auth": { "SigningKey": "{{Key}}", "Issuer": "tests", "Audience": "gateway-tests", "ClockSkew": "00:00:00" },
            "Broker": { "ReplayBufferSize": 1024, "MemoryHistorySize": 20000 },
            "Push": { "ReconnectDelay": "00:00:00.500" },
            "Multiplex": { "MaxSubscriptions": {{maxSubscriptions}}, "SubscribeRatePerSecond": {{subscribeRate}}, "MaxCursorLength": {{maxCursorLength}} },
            "Limits": { "MaxSessionsPerClient": 100000, "MaxPollsInFlightPerClient": 100000, "MaxNegotiationsInFlightPerClient": 100000, "GlobalConnectRate": 100000, "GlobalConnectBurst": 100000, "ConnectRatePerClient": 1000, "ConnectBurstPerClient": 5000, "PollRatePerClient": 1000, "PollBurstPerClient": 5000 }
          },
          "ReverseProxy": {
            "Routes": {
              "stream": { "Match": { "Path": "/t/{topic}/events" }, "Metadata": { "Push.Subject": "t.{topic}", "Push.Heartbeat": "00:00:01", "Push.Upstream": "t.{topic}.in" } },
              "other": { "Match": { "Path": "/o/{topic}/events" }, "Metadata": { "Push.Subject": "o.{topic}", "Push.Heartbeat": "00:00:01" } },
              "sseonly": { "Match": { "Path": "/s/{topic}/events" }, "Metadata": { "Push.Subject": "s.{topic}", "Push.Transports": "sse" } },
              "wsonly": { "Match": { "Path": "/w/{topic}/events" }, "Metadata": { "Push.Subject": "w.{topic}", "Push.Transports": "websocket" } },
              "private": { "AuthorizationPolicy": "default", "Match": { "Path": "/private/{id}/events" }, "Metadata": { "Push.Subject": "private.{id}" } },
              "users": { "Match": { "Path": "/users/{user}/events" }, "Metadata": { "Push.Subject": "users.{user}", "Push.RequireClaim": "sub={user}" } }
            },
            "Clusters": {}
          }
        }
        """;

    public static string Token(string subject = "alice") => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = "tests",
        Audience = "gateway-tests",
        Subject = new ClaimsIdentity([new Claim("sub", subject)]),
        NotBefore = DateTime.UtcNow.AddMinutes(-1),
        Expires = DateTime.UtcNow.AddMinutes(10),
        SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(Key)), SecurityAlgorithms.HmacSha256),
    });

    /// <summary>A gateway on JetStream, once it is ready (its broker connected and its stream made).</summary>
    public static async Task<GatewayInstance> StartAsync(NatsServerFixture nats, Xunit.Abstractions.ITestOutputHelper output, string? config = null)
    {
        var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, config ?? Config(), output));
        await Eventually.TrueAsync(async () => (await gateway.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, Timeout, "the gateway becomes ready");
        return gateway;
    }

    public static string Unique(string prefix) => prefix + Guid.NewGuid().ToString("N")[..10];

    /// <summary>Publishes <paramref name="count"/> numbered events to <paramref name="subject"/> through the management port.</summary>
    public static async Task PublishAsync(GatewayInstance gateway, string subject, string tag, int from, int count)
    {
        for (var i = from; i < from + count; i++)
        {
            await MatrixGateways.PublishAsync(gateway, subject, $"{{\"{tag}\":{i}}}");
        }
    }

    /// <summary>The ids a single-route poll gives for the subject after <paramref name="cursor"/>: what a multiplexed subscription must deliver.</summary>
    public static async Task<List<string>> SingleRouteIdsAsync(GatewayInstance gateway, string path, string cursor, int count)
    {
        var ids = new List<string>();
        await Eventually.TrueAsync(async () =>
        {
            using var response = await gateway.PublicClient.GetAsync($"{path}?transport=polling&cursor={Uri.EscapeDataString(cursor)}");
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            ids = [.. body.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("id").GetString()!)];
            return ids.Count >= count;
        }, Timeout, $"{count} events on {path}");
        return ids;
    }

    public static async Task<string> MetricsAsync(GatewayInstance gateway) => await gateway.ManagementClient.GetStringAsync("/metrics");
}
