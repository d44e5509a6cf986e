using System.Net;
using System.Text;
using EdgeGateway.Client;
using Gateway.IntegrationTests.Edge.Idempotency;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Clients;

/// <summary>
/// The .NET client's idempotent writes against a real gateway (an <c>Edge.Idempotency</c> route, real nats-server KV,
/// a real orders API): a generated key per write, the same key on every retry, 409 and 5xx retried after their advice.
/// </summary>
public sealed class DotnetClientWriteTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task WriteAsync_SameKeyWhileTheFirstIsInFlight_WaitsOutThe409_GetsTheReplay_OneOrder()
    {
        await using var nats = await NatsServerFixture.LaunchAsync();
        await using var backend = await OrdersBackend.StartAsync(output);
        await using var gateway = await StartAsync(nats, backend);
        using var client = new GatewayClient(new Uri(gateway.PublicUrl));
        using var cts = new CancellationTokenSource(Timeout);
        var key = GatewayClient.NewIdempotencyKey();
        var retries = new List<WriteRetry>();

        backend.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = client.WriteAsync(HttpMethod.Post, "/orders", Json("""{"item":"desk"}"""), new WriteOptions { IdempotencyKey = key }, cts.Token);
        await backend.Arrived.Task.WaitAsync(cts.Token);
        var second = client.WriteAsync(HttpMethod.Post, "/orders", Json("""{"item":"desk"}"""), new WriteOptions
        {
            IdempotencyKey = key,
            OnRetry = r =>
            {
                lock (retries)
                {
                    retries.Add(r);
                }

                // The first write finishes once the repeat has been told to wait.
                backend.Gate.TrySetResult();
            },
        }, cts.Token);

        using var a = await first;
        using var b = await second;

        Assert.Equal(HttpStatusCode.Created, a.StatusCode);
        Assert.Equal(HttpStatusCode.Created, b.StatusCode);
        Assert.Equal("true", Assert.Single(b.Headers.GetValues("Idempotent-Replayed")));
        Assert.Equal(await a.Content.ReadAsStringAsync(cts.Token), await b.Content.ReadAsStringAsync(cts.Token));
        var retry = Assert.Single(retries);
        Assert.Equal(409, retry.Status);
        Assert.Equal(key, retry.IdempotencyKey);
        Assert.Equal(TimeSpan.FromSeconds(1), retry.Delay); // the gateway's Retry-After (Gateway:Idempotency:RetryAfter)
        Assert.Equal(1, backend.Posts);
        Assert.Equal(1, backend.Orders);
    }

    [Fact]
    public async Task WriteAsync_BackendFailsWith503_RetriesWithTheSameKey_SecondAttemptCreatesTheOrder()
    {
        await using var nats = await NatsServerFixture.LaunchAsync();
        await using var backend = await OrdersBackend.StartAsync(output);
        await using var gateway = await StartAsync(nats, backend);
        using var client = new GatewayClient(new Uri(gateway.PublicUrl));
        using var cts = new CancellationTokenSource(Timeout);
        var retries = new List<WriteRetry>();
        backend.FailWith = 503;

        using var response = await client.WriteAsync(HttpMethod.Post, "/orders", Json("""{"item":"lamp"}"""), new WriteOptions
        {
            BaseDelay = TimeSpan.FromMilliseconds(20),
            OnRetry = r =>
            {
                retries.Add(r);
                backend.FailWith = 0;
            },
        }, cts.Token);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.False(response.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(503, Assert.Single(retries).Status);
        var keys = backend.Requests.Where(r => r.Method == "POST").Select(r => r.Headers[GatewayClient.IdempotencyKeyHeader]).ToList();
        Assert.Equal(2, keys.Count);
        Assert.Equal(keys[0], keys[1]);
        Assert.True(Guid.TryParseExact(keys[0], "D", out _), $"'{keys[0]}' is not a UUID");
        Assert.Equal(1, backend.Orders);
    }

    [Fact]
    public async Task WriteAsync_TwoWritesWithTheSameBody_EachGetsItsOwnKey_TwoOrders()
    {
        await using var nats = await NatsServerFixture.LaunchAsync();
        await using var backend = await OrdersBackend.StartAsync(output);
        await using var gateway = await StartAsync(nats, backend);
        using var client = new GatewayClient(new Uri(gateway.PublicUrl));
        using var cts = new CancellationTokenSource(Timeout);

        using var a = await client.WriteAsync(HttpMethod.Post, "/orders", Json("""{"item":"pen"}"""), cancellationToken: cts.Token);
        using var b = await client.WriteAsync(HttpMethod.Post, "/orders", Json("""{"item":"pen"}"""), cancellationToken: cts.Token);

        Assert.Equal(HttpStatusCode.Created, a.StatusCode);
        Assert.Equal(HttpStatusCode.Created, b.StatusCode);
        Assert.NotEqual(a.Headers.Location, b.Headers.Location);
        Assert.Equal(2, backend.Orders);
        var keys = backend.Requests.Select(r => r.Headers[GatewayClient.IdempotencyKeyHeader]).Distinct().Count();
        Assert.Equal(2, keys);
    }

    [Fact]
    public async Task WriteAsync_BackendAnswers409Itself_IsFinal_NotRetried()
    {
        await using var nats = await NatsServerFixture.LaunchAsync();
        await using var backend = await OrdersBackend.StartAsync(output);
        await using var gateway = await StartAsync(nats, backend);
        using var client = new GatewayClient(new Uri(gateway.PublicUrl));
        using var cts = new CancellationTokenSource(Timeout);
        backend.FailWith = 409;
        var retried = 0;

        using var response = await client.WriteAsync(HttpMethod.Post, "/orders", Json("""{"item":"cup"}"""), new WriteOptions { OnRetry = _ => retried++ }, cts.Token);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(0, retried);
        Assert.Equal(1, backend.Posts);
    }

    /// <summary>A connection that fails before any answer: a corner a real gateway does not produce on demand, so a fake handler.</summary>
    [Fact]
    public async Task WriteAsync_NetworkFailure_RetriesTheSameBytesWithTheSameKey()
    {
        var handler = new FlakyHandler(failures: 2);
        using var http = new HttpClient(handler);
        using var client = new GatewayClient(new Uri("http://gateway.test"), http);
        using var cts = new CancellationTokenSource(Timeout);
        var retries = new List<WriteRetry>();

        using var response = await client.WriteAsync(HttpMethod.Patch, "/orders/7?x=1", Json("""{"qty":3}"""),
            new WriteOptions { BaseDelay = TimeSpan.FromMilliseconds(5), OnRetry = retries.Add }, cts.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, handler.Seen.Count);
        Assert.Single(handler.Seen.Select(s => s.Key).Distinct());
        Assert.All(handler.Seen, s => Assert.Equal("""{"qty":3}""", s.Body));
        Assert.All(handler.Seen, s => Assert.Equal("application/json; charset=utf-8", s.ContentType));
        Assert.All(handler.Seen, s => Assert.Equal("http://gateway.test/orders/7?x=1", s.Uri));
        Assert.Equal(2, retries.Count);
        Assert.All(retries, r => Assert.IsType<HttpRequestException>(r.Error));
    }

    [Fact]
    public async Task WriteAsync_NetworkFailsEveryTime_ThrowsAfterMaxAttempts()
    {
        var handler = new FlakyHandler(failures: 100);
        using var http = new HttpClient(handler);
        using var client = new GatewayClient(new Uri("http://gateway.test"), http);
        using var cts = new CancellationTokenSource(Timeout);

        await Assert.ThrowsAsync<HttpRequestException>(() =>
            client.WriteAsync(HttpMethod.Post, "/orders", Json("{}"), new WriteOptions { MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(1) }, cts.Token));
        Assert.Equal(3, handler.Seen.Count);
    }

    private async Task<GatewayInstance> StartAsync(NatsServerFixture nats, OrdersBackend backend)
    {
        var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, IdempotentWriteTests.Config(backend.Url), output, "JetStream"));
        await Eventually.TrueAsync(async ct => (await gateway.ManagementClient.GetAsync("readyz", ct)).IsSuccessStatusCode, Timeout, "the gateway to be ready");
        return gateway;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private sealed class FlakyHandler(int failures) : HttpMessageHandler
    {
        public List<(string Key, string Body, string? ContentType, string Uri)> Seen { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
            Seen.Add((request.Headers.GetValues(GatewayClient.IdempotencyKeyHeader).Single(), body, request.Content?.Headers.ContentType?.ToString(), request.RequestUri!.ToString()));
            if (Seen.Count <= failures)
            {
                throw new HttpRequestException("connection reset by the fake");
            }

            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{}") };
        }
    }
}
