using System.Net;
using System.Net.Http.Headers;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Edge;

/// <summary>The REST edge: proxying through YARP, edge ETags, 304s at the edge, proxied-request metrics.</summary>
[Collection(NatsCollection.Name)]
public sealed class RestEdgeTests(NatsServerFixture nats, ITestOutputHelper output)
{
    private static string Config(string backend) => $$"""
        {
          "ReverseProxy": {
            "Routes": {
              "plain": { "ClusterId": "b", "Match": { "Path": "/plain/{id}" } },
              "untagged": { "ClusterId": "b", "Match": { "Path": "/untagged/{id}" }, "Metadata": { "Edge.ETag": "false" } },
              "tagged": { "ClusterId": "b", "Match": { "Path": "/tagged/{id}" } },
              "big": { "ClusterId": "b", "Match": { "Path": "/big" } },
              "stream": { "ClusterId": "b", "Match": { "Path": "/backend-stream" } }
            },
            "Clusters": { "b": { "Destinations": { "d1": { "Address": "{{backend}}" } } } }
          }
        }
        """;

    private static Task<TestBackend> BackendAsync() => TestBackend.StartAsync(app =>
    {
        app.MapGet("/plain/{id}", (string id) => Results.Json(new { id, name = "item " + id }));
        app.MapGet("/untagged/{id}", (string id) => Results.Json(new { id, name = "item " + id }));
        app.MapGet("/tagged/{id}", (string id, HttpContext http) =>
        {
            http.Response.Headers.ETag = "\"backend-v7\"";
            return Results.Json(new { id });
        });
        app.MapGet("/big", () => Results.Text(new string('x', 2 * 1024 * 1024)));
        app.MapGet("/backend-stream", async (HttpContext http) =>
        {
            // A backend's own event stream: one event, then it stays open until the client leaves.
            http.Response.ContentType = "text/event-stream";
            await http.Response.WriteAsync("data: first\n\n", http.RequestAborted);
            await http.Response.Body.FlushAsync(http.RequestAborted);
            await Task.Delay(Timeout.Infinite, http.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        });
    });

    [Fact]
    public async Task Get_BackendWithoutETag_GetsStrongEdgeETag_AndIfNoneMatchGets304WithoutBody()
    {
        await using var backend = await BackendAsync();
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config(backend.Url), output, "Memory"));

        using var first = await gateway.PublicClient.GetAsync("/plain/1");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var etag = first.Headers.ETag;
        Assert.NotNull(etag);
        Assert.False(etag.IsWeak);
        Assert.Contains("item 1", await first.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var conditional = new HttpRequestMessage(HttpMethod.Get, "/plain/1");
        conditional.Headers.IfNoneMatch.Add(etag);
        using var second = await gateway.PublicClient.SendAsync(conditional);
        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
        Assert.Equal(etag, second.Headers.ETag);
        Assert.Empty(await second.Content.ReadAsByteArrayAsync());

        // Another representation has another ETag, and a stale one gets the full body.
        using var other = await gateway.PublicClient.GetAsync("/plain/2");
        Assert.NotEqual(etag, other.Headers.ETag);
        using var stale = new HttpRequestMessage(HttpMethod.Get, "/plain/2");
        stale.Headers.IfNoneMatch.Add(etag);
        using var full = await gateway.PublicClient.SendAsync(stale);
        Assert.Equal(HttpStatusCode.OK, full.StatusCode);
    }

    [Fact]
    public async Task Get_RouteWithEdgeETagOff_PassesThroughWithoutETagOr304()
    {
        await using var backend = await BackendAsync();
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config(backend.Url), output, "Memory"));

        using var first = await gateway.PublicClient.GetAsync("/untagged/1");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Null(first.Headers.ETag);
        Assert.Contains("item 1", await first.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The ETag another route would have served does not make this one answer 304.
        using var tagged = await gateway.PublicClient.GetAsync("/plain/1");
        using var conditional = new HttpRequestMessage(HttpMethod.Get, "/untagged/1");
        conditional.Headers.IfNoneMatch.Add(tagged.Headers.ETag!);
        conditional.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Any);
        using var second = await gateway.PublicClient.SendAsync(conditional);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Contains("item 1", await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_BackendETag_PassesThroughUntouched_And304IsAnsweredAtTheEdge()
    {
        await using var backend = await BackendAsync();
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config(backend.Url), output, "Memory"));

        using var first = await gateway.PublicClient.GetAsync("/tagged/1");
        Assert.Equal("\"backend-v7\"", first.Headers.ETag?.ToString());

        // The backend ignores If-None-Match (always 200); the gateway still saves the client the body.
        using var conditional = new HttpRequestMessage(HttpMethod.Get, "/tagged/1");
        conditional.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"backend-v7\""));
        using var second = await gateway.PublicClient.SendAsync(conditional);
        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
    }

    [Fact]
    public async Task Get_BodyAboveBufferLimit_StreamsThroughWithoutEdgeETag()
    {
        await using var backend = await BackendAsync();
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config(backend.Url), output, "Memory"));
        using var response = await gateway.PublicClient.GetAsync("/big");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(response.Headers.ETag);
        Assert.Equal(2 * 1024 * 1024, (await response.Content.ReadAsByteArrayAsync()).Length);
    }

    [Fact]
    public async Task Get_BackendEventStream_IsPassedThroughAsItComes_NotBuffered()
    {
        await using var backend = await BackendAsync();
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config(backend.Url), output, "Memory"));
        using var response = await gateway.PublicClient.GetAsync("/backend-stream", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        Assert.Equal("data: first", await reader.ReadLineAsync(cts.Token));
        Assert.Null(response.Headers.ETag);
    }

    [Fact]
    public async Task Metrics_ShowProxiedRequestsPerRouteAndCluster_AndErrors()
    {
        await using var backend = await BackendAsync();
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config(backend.Url), output, "Memory"));
        for (var i = 0; i < 3; i++)
        {
            using var r = await gateway.PublicClient.GetAsync("/plain/" + i);
        }

        var metrics = await gateway.ManagementClient.GetStringAsync("/metrics");
        Assert.Contains("gateway_proxy_requests_total{route=\"plain\",cluster=\"b\",method=\"GET\",code=\"200\"} 3", metrics, StringComparison.Ordinal);
        Assert.Contains("gateway_proxy_request_duration_seconds_count{route=\"plain\",cluster=\"b\"} 3", metrics, StringComparison.Ordinal);

        // A dead backend: 502 and a counted proxy error.
        await backend.DisposeAsync();
        using var dead = await gateway.PublicClient.GetAsync("/plain/9");
        Assert.Equal(HttpStatusCode.BadGateway, dead.StatusCode);
        metrics = await gateway.ManagementClient.GetStringAsync("/metrics");
        Assert.Contains("gateway_proxy_errors_total{route=\"plain\",cluster=\"b\"", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ManagementPaths_AnswerOnlyOnTheManagementPort_AndTheProxyNeverAnswersThere()
    {
        await using var backend = await BackendAsync();
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config(backend.Url), output, "Memory"));
        using var publicMetrics = await gateway.PublicClient.GetAsync("/metrics");
        Assert.NotEqual(HttpStatusCode.OK, publicMetrics.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, publicMetrics.StatusCode);
        using var publicDrain = await gateway.PublicClient.PostAsync("/admin/drain", null);
        Assert.Equal(HttpStatusCode.NotFound, publicDrain.StatusCode);

        // Not found there and not acted on either: the instance is not draining.
        using var ready = await gateway.ManagementClient.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using var managementProxy = await gateway.ManagementClient.GetAsync("/plain/1");
        Assert.Equal(HttpStatusCode.NotFound, managementProxy.StatusCode);
    }
}
