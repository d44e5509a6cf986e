using System.Collections.Concurrent;
using System.Net;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.IntegrationTests.Transports;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.IntegrationTests.Presence;

/// <summary>
/// <c>GET {path}/presence</c> is authorized exactly like the stream (route policy, <c>Push.RequireClaim</c>), names a
/// token's subject as the member's user, and lists at most <c>Push.PresenceMaxMembers</c> (docs/presence.md).
/// </summary>
[Collection(NatsCollection.Name)]
public sealed class PresenceAccessTests(NatsServerFixture nats, ITestOutputHelper output)
{
    private const string Key = "a-test-signing-key-that-is-long-enough-32b";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private const string Config = $$"""
        {
          "Gateway": {
            "Auth": { "SigningKey": "{{Key}}", "Issuer": "tests", "Audience": "gateway-tests", "ClockSkew": "00:00:00" },
            "Limits": { "ConnectRatePerClient": 1000, "ConnectBurstPerClient": 1000 }
          },
          "ReverseProxy": {
            "Routes": {
              "teams": {
                "AuthorizationPolicy": "default", "Match": { "Path": "/teams/{team}/cursors" },
                "Metadata": { "Push.Subject": "teams.{team}.cursors", "Push.RequireClaim": "teams={team}", "Push.Presence": "true" }
              },
              "lobby": {
                "Match": { "Path": "/lobby/{room}/cursors" },
                "Metadata": { "Push.Subject": "lobby.{room}.cursors", "Push.Presence": "true", "Push.PresenceMaxMembers": "2" }
              }
            },
            "Clusters": {}
          }
        }
        """;

    [Fact]
    public async Task PresenceGet_IsRefusedAndAdmittedLikeTheStream_ListsTheTokensSubjectAsUser()
    {
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config, output, "JetStream"));
        var alice = Token("alice", "t1");
        var eve = Token("eve", "t2");

        foreach (var path in (string[])["/teams/t1/cursors/presence", "/teams/t1/cursors/negotiate"])
        {
            var method = path.EndsWith("/presence", StringComparison.Ordinal) ? HttpMethod.Get : HttpMethod.Post;
            Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(gateway, method, path, null));
            Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(gateway, method, path, eve));
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(gateway, method, path, alice));
        }

        using var stop = new CancellationTokenSource();
        var session = PresenceReader.FollowAsync(gateway.PublicUrl, "/teams/t1/cursors?access_token=" + alice, new ConcurrentQueue<string>(), stop.Token);
        JsonElement member = default;
        await Eventually.TrueAsync(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/teams/t1/cursors/presence");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", alice);
            using var response = await gateway.PublicClient.SendAsync(request);
            var members = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("members");
            if (members.GetArrayLength() != 1)
            {
                return false;
            }

            member = members[0].Clone();
            return true;
        }, Timeout, "alice listed");
        Assert.Equal("alice", member.GetProperty("user").GetString());
        Assert.Equal("alice", member.GetProperty("client").GetString());
        Assert.True(DateTimeOffset.TryParse(member.GetProperty("since").GetString(), System.Globalization.CultureInfo.InvariantCulture, out _));
        await stop.CancelAsync();
        await session;
    }

    [Fact]
    public async Task SubjectAtMaxMembers_ThirdClientIsServedButNotListed_AndABadClientIdIs400()
    {
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config, output, "JetStream"));
        const string Room = "/lobby/l1/cursors";
        using var stop = new CancellationTokenSource();
        var sessions = new List<Task>();
        foreach (var client in (string[])["c1", "c2"])
        {
            sessions.Add(PresenceReader.FollowAsync(gateway.PublicUrl, $"{Room}?clientId={client}", new ConcurrentQueue<string>(), stop.Token));
            await Eventually.TrueAsync(async () => (await PresenceReader.ClientsAsync(gateway.PublicClient, Room + "/presence")).Contains(client), Timeout, client + " listed");
        }

        // The third is over the cap: its stream works, it is not listed, the instance counts it.
        var third = RawPushClient.CollectAsync(RawPushClient.SseAsync(gateway.PublicUrl, Room + "?clientId=c3", null, stop.Token),
            items => items.Any(i => i is { Kind: PushItemKind.Event, EventType: "message" }), Timeout);
        await Eventually.TrueAsync(async () => MetricsOf(await gateway.ManagementClient.GetStringAsync("/metrics"), "gateway_presence_untracked_total{route=\"lobby\"}") == 1,
            Timeout, "the third session counted as untracked");
        using var publisher = new HttpClient();
        (await publisher.PostAsync($"{gateway.ManagementUrl}/publish/lobby.l1.cursors", new StringContent("{\"x\":1}"))).EnsureSuccessStatusCode();
        Assert.Contains(await third, i => i is { Kind: PushItemKind.Event, EventType: "message" });
        Assert.Equal(["c1", "c2"], await PresenceReader.ClientsAsync(gateway.PublicClient, Room + "/presence"));

        using var bad = new HttpRequestMessage(HttpMethod.Get, Room + "?clientId=no%20spaces");
        bad.Headers.Accept.ParseAdd("text/event-stream");
        using var refused = await gateway.PublicClient.SendAsync(bad);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("invalid_client_id", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await stop.CancelAsync();
        await Task.WhenAll(sessions);
    }

    private static double MetricsOf(string metrics, string line) =>
        metrics.Split('\n').Where(l => l.StartsWith(line, StringComparison.Ordinal)).Select(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture)).Sum();

    private static async Task<HttpStatusCode> StatusAsync(GatewayInstance gateway, HttpMethod method, string path, string? token)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await gateway.PublicClient.SendAsync(request);
        return response.StatusCode;
    }

    private static string Token(string sub, string team) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = "tests",
        Audience = "gateway-tests",
        Subject = new ClaimsIdentity([new Claim("sub", sub), new Claim("teams", team)]),
        NotBefore = DateTime.UtcNow.AddMinutes(-1),
        Expires = DateTime.UtcNow.AddMinutes(5),
        SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(Key)), SecurityAlgorithms.HmacSha256),
    });
}
