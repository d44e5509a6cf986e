using System.Net;
using System.Text;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Edge.Idempotency;

/// <summary>
/// Idempotent writes at the edge (docs/idempotency.md): two gateway instances on one real nats-server, in front of a real
/// orders API; a write with an <c>Idempotency-Key</c> reaches the backend once, whichever instance gets the repeats.
/// </summary>
public sealed class IdempotentWriteTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    internal static string Config(string backend) => $$"""
        {
          "Gateway": { "Limits": { "TrustedProxies": [ "127.0.0.1" ] } },
          "ReverseProxy": {
            "Routes": {
              "orders-list": { "ClusterId": "orders", "Match": { "Path": "/orders" }, "Metadata": { "Edge.Idempotency": "true" } },
              "orders": { "ClusterId": "orders", "Match": { "Path": "/orders/{id}" }, "Metadata": { "Edge.Idempotency": "true" } },
              "plain": { "ClusterId": "orders", "Match": { "Path": "/plain/{**rest}" }, "Transforms": [ { "PathRemovePrefix": "/plain" } ] }
            },
            "Clusters": { "orders": { "Destinations": { "o1": { "Address": "{{backend}}" } } } }
          }
        }
        """;

    [Fact]
    public async Task PostOrders_SameKeyOnEachInstance_CreatesOneOrder_SecondAnswerIsTheFirstReplayed()
    {
        await using var nats = await NatsServerFixture.LaunchAsync();
        await using var backend = await OrdersBackend.StartAsync(output);
        await using var a = await StartAsync(nats, backend);
        await using var b = await StartAsync(nats, backend);

        using var first = await PostAsync(a, "key-1", """{"item":"book","quantity":2}""");
        using var second = await PostAsync(b, "key-1", """{"item":"book","quantity":2}""");

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal("true", Assert.Single(second.Headers.GetValues("Idempotent-Replayed")));
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());
        Assert.Equal(first.Headers.Location, second.Headers.Location);
        Assert.Equal(first.Headers.ETag, second.Headers.ETag);
        Assert.Equal(first.Content.Headers.ContentType, second.Content.Headers.ContentType);
        Assert.Equal(1, backend.Orders);
        Assert.Equal(1, backend.Posts);
    }

    [Fact]
    public async Task PostOrders_SameKeyOtherBody_Is422_AndReachesNoBackend()
    {
        await using var nats = await NatsServerFixture.LaunchAsync();
        await using var backend = await OrdersBackend.StartAsync(output);
        await using var a = await StartAsync(nats, backend);
        await using var b = await StartAsync(nats, backend);

        using var first = await PostAsync(a, "key-2", """{"item":"book"}""");
        using var other = await PostAsync(b, "key-2", """{"item":"lamp"}""");

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, other.StatusCode);
        Assert.Contains("\"error\":\"idempotency_key_reused\"", await other.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(1, backend.Posts);
    }

    [Fact]
    public async Task PostOrders_TwentyConcurrentRepeats_CreateOneOrder_OthersAre409WithRetryAfter_ThenReplayed()
    {
        await using var nats = await NatsServerFixture.LaunchAsync();
        await using var backend = await OrdersBackend.StartAsync(output);
        await using var a = await StartAsync(nats, backend);
        await using var b = await StartAsync(nats, backend);
        var body = """{"item":"chair","quantity":20}""";

        // The first request to reach the backend is held there until every other repeat has been answered.
        backend.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var repeats = Enumerable.Range(0, 20).Select(i => PostAsync(i % 2 == 0 ? a : b, "key-3", body)).ToList();
        await backend.Arrived.Task.WaitAsync(Timeout);
        var answered = new List<HttpResponseMessage>();
        while (answered.Count < 19)
        {
            var done = await Task.WhenAny(repeats).WaitAsync(Timeout);
            repeats.Remove(done);
            answered.Add(await done);
        }

        Assert.All(answered, r =>
        {
            Assert.Equal(HttpStatusCode.Conflict, r.StatusCode);
            Assert.NotNull(r.Headers.RetryAfter);
        });
        backend.Gate.SetResult();
        using var winner = await Assert.Single(repeats).WaitAsync(Timeout);
        Assert.Equal(HttpStatusCode.Created, winner.StatusCode);

        // Retried after the advised delay, every repeat gets the first answer, on either instance.
        foreach (var g in new[] { a, b })
        {
            using var retry = await PostAsync(g, "key-3", body);
            Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
            Assert.Equal(await winner.Content.ReadAsStringAsync(), await retry.Content.ReadAsStringAsync());
        }

        Assert.Equal(1, backend.Orders);
        Assert.Equal(1, backend.Posts);
        answered.ForEach(r => r.Dispose());
    }

    [Fact]
    public async Task PostOrders_BackendAnswers5xx_IsNotStored_RetryReachesTheBackendAndIsStored()
    {
        await using var nats = await NatsServerFixture.LaunchAsync();
        await using var backend = await OrdersBackend.StartAsync(output);
        await using var a = await StartAsync(nats, backend);
        await using var b = await StartAsync(nats, backend);

        backend.FailWith = 503;
        using (var failed = await PostAsync(a, "key-4", """{"item":"desk"}"""))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        }

        backend.FailWith = 0;
        using var retried = await PostAsync(b, "key-4", """{"item":"desk"}""");
        using var replayed = await PostAsync(a, "key-4", """{"item":"desk"}""");

        Assert.Equal(HttpStatusCode.Created, retried.StatusCode);
        Assert.False(retried.Headers.Contains("Idempotent-Replayed"));
        Assert.True(replayed.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(2, backend.Posts);
        Assert.Equal(1, backend.Orders);
    }

    [Fact]
    public async Task IdempotencyKey_ScopedByClientAndRoute_TwoClientsOrTwoRoutesDoNotShareIt()
    {
        await using var nats = await NatsServerFixture.LaunchAsync();
        await using var backend = await OrdersBackend.StartAsync(output);
        await using var a = await StartAsync(nats, backend);

        // Two clients behind the trusted proxy (127.0.0.1) that happen to pick the same key each get their order.
        using var alice = await PostAsync(a, "shared", """{"item":"pen"}""", forwardedFor: "10.0.0.1");
        using var bob = await PostAsync(a, "shared", """{"item":"pen"}""", forwardedFor: "10.0.0.2");
        Assert.False(alice.Headers.Contains("Idempotent-Replayed"));
        Assert.False(bob.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(2, backend.Orders);

        // The same key on another route is another key: a PATCH of /orders/1 is proxied, not refused as a reused key.
        using var patch = new HttpRequestMessage(HttpMethod.Patch, "/orders/1") { Content = new StringContent("""{"item":"pen"}""", Encoding.UTF8, "application/json") };
        patch.Headers.Add("Idempotency-Key", "shared");
        patch.Headers.Add("X-Forwarded-For", "10.0.0.1");
        using var patched = await a.PublicClient.SendAsync(patch);
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.False(patched.Headers.Contains("Idempotent-Replayed"));

        // ... and the PATCH's own repeat is replayed: the route does honour the key.
        using var again = new HttpRequestMessage(HttpMethod.Patch, "/orders/1") { Content = new StringContent("""{"item":"pen"}""", Encoding.UTF8, "application/json") };
        again.Headers.Add("Idempotency-Key", "shared");
        again.Headers.Add("X-Forwarded-For", "10.0.0.1");
        using var replayed = await a.PublicClient.SendAsync(again);
        Assert.True(replayed.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(1, backend.Patches);
    }

    [Fact]
    public async Task Writes_WithoutKeyOrOffTheRoute_PassThrough_AndABadKeyIs400()
    {
        await using var nats = await NatsServerFixture.LaunchAsync();
        await using var backend = await OrdersBackend.StartAsync(output);
        await using var a = await StartAsync(nats, backend);

        using (var noKey1 = await a.PublicClient.PostAsync("/orders", Json("""{"item":"cup"}""")))
        using (var noKey2 = await a.PublicClient.PostAsync("/orders", Json("""{"item":"cup"}""")))
        {
            Assert.Equal(HttpStatusCode.Created, noKey2.StatusCode);
        }

        // A route without Edge.Idempotency ignores the header.
        using var plain1 = await PostAsync(a, "key-5", """{"item":"cup"}""", path: "/plain/orders");
        using var plain2 = await PostAsync(a, "key-5", """{"item":"cup"}""", path: "/plain/orders");
        Assert.False(plain2.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(4, backend.Orders);

        using var bad = await PostAsync(a, new string('k', 256), """{"item":"cup"}""");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("invalid_idempotency_key", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(4, backend.Posts);
    }

    private async Task<GatewayInstance> StartAsync(NatsServerFixture nats, OrdersBackend backend)
    {
        var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config(backend.Url), output, "JetStream"));
        await Eventually.TrueAsync(async () => (await gateway.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, Timeout, "ready");
        return gateway;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    /// <summary>
    /// One keyed POST as a client makes it: an answer that the store could not be reached (503
    /// idempotency_store_unavailable, seen when the machine is loaded and a KV request times out) is retried after its
    /// Retry-After with the same key and body, as the gateway's clients do; every other answer is returned.
    /// </summary>
    private static async Task<HttpResponseMessage> PostAsync(GatewayInstance gateway, string key, string body, string? forwardedFor = null, string path = "/orders")
    {
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Json(body) };
            request.Headers.Add("Idempotency-Key", key);
            if (forwardedFor is not null)
            {
                request.Headers.Add("X-Forwarded-For", forwardedFor);
            }

            var response = await gateway.PublicClient.SendAsync(request);
            if (attempt < 10 && response.StatusCode == HttpStatusCode.ServiceUnavailable &&
                (await response.Content.ReadAsStringAsync()).Contains("idempotency_store_unavailable", StringComparison.Ordinal))
            {
                var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
                response.Dispose();
                await Task.Delay(wait);
                continue;
            }

            return response;
        }
    }
}
