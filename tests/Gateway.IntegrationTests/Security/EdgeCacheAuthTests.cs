using System.Net;
using System.Net.Http.Headers;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.IntegrationTests.Watch;

namespace Gateway.IntegrationTests.Security;

/// <summary>
/// The REST edge's ETag cache for authenticated requests: every 304 (edge-computed or cached) is <c>private</c> with
/// <c>Vary: Authorization</c>, and a cached 304 is given only to the user the backend answered (docs/security.md,
/// "Shared caches").
/// </summary>
[Collection(NatsCollection.Name)]
public sealed class EdgeCacheAuthTests(NatsServerFixture nats, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static string Config(string backend) => $$"""
        {
          "Gateway": { "Auth": {{TestTokens.AuthJson}} },
          "ReverseProxy": {
            "Routes": {
              "items": { "ClusterId": "catalog", "AuthorizationPolicy": "default", "Match": { "Path": "/items/{id}" }, "Metadata": { "Push.Notify": "items.{id}" } }
            },
            "Clusters": { "catalog": { "Destinations": { "c1": { "Address": "{{backend}}" } } } }
          }
        }
        """;

    [Fact]
    public async Task Edge304s_ForAuthenticatedRequests_ArePrivate_AndCachedOnesOnlyForTheSameUser()
    {
        await using var backend = await PlainResourceBackend.StartAsync();
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config(backend.Url), output, "Memory"));
        await Eventually.TrueAsync(async () => (await gateway.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, Timeout, "ready");
        var alice = TestTokens.For("alice");

        using var first = await GetAsync(gateway, alice, etag: null);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        AssertPrivate(first);
        var etag = first.Headers.ETag!;

        // Alice's conditional GETs: first answered by comparing the backend's body (edge 304), then from the edge cache
        // without asking the backend. Both kinds are private.
        await Eventually.TrueAsync(async () =>
        {
            var gets = backend.Gets;
            using var answer = await GetAsync(gateway, alice, etag);
            Assert.Equal(HttpStatusCode.NotModified, answer.StatusCode);
            AssertPrivate(answer);
            return backend.Gets == gets;
        }, Timeout, "a conditional GET is answered from the edge cache");

        // Bob presents Alice's ETag: the backend is asked (it decides what Bob may see), never the cache.
        var before = backend.Gets;
        using var bob = await GetAsync(gateway, TestTokens.For("bob"), etag);
        Assert.Equal(before + 1, backend.Gets);
        AssertPrivate(bob);

        var metrics = await gateway.ManagementClient.GetStringAsync("/metrics");
        Assert.True(MetricsText.Sum(metrics, "gateway_edge_not_modified_total{route=\"items\",source=\"cache\"}") >= 1, "no 304 came from the edge cache");
    }

    private static void AssertPrivate(HttpResponseMessage response)
    {
        var cacheControl = response.Headers.CacheControl;
        Assert.True(cacheControl?.Private == true, $"{(int)response.StatusCode} Cache-Control: {cacheControl}");
        Assert.False(cacheControl!.Public);
        Assert.Null(cacheControl.SharedMaxAge);
        Assert.Contains("Authorization", response.Headers.Vary);
    }

    private static async Task<HttpResponseMessage> GetAsync(GatewayInstance gateway, string token, EntityTagHeaderValue? etag)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/items/3");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (etag is not null)
        {
            request.Headers.IfNoneMatch.Add(etag);
        }

        return await gateway.PublicClient.SendAsync(request);
    }
}
