using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.IntegrationTests.Transports;

namespace Gateway.IntegrationTests.Watch;

/// <summary>Notify on write, and repeated conditional polls answered from the edge until a change event arrives.</summary>
public sealed class NotifyAndEdgeCacheTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("JetStream")]
    [InlineData("Memory")]
    public async Task PutThroughGateway_PublishesChanged_FailedPutsPublishNothing(string broker)
    {
        await using var nats = await NatsServerFixture.LaunchAsync();
        await using var backend = await PlainResourceBackend.StartAsync();
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, WatchTests.Config(backend.Url, "00:05:00"), output, broker));
        await Eventually.TrueAsync(async () => (await gateway.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, Timeout, "ready");
        var path = "/items/5/events";
        var cursor = await MatrixGateways.NegotiateCursorAsync(gateway, path);

        backend.FailPutsWith = 409;
        using (var conflict = await gateway.PublicClient.PutAsync("/items/5", new StringContent("{}", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        }

        backend.FailPutsWith = 500;
        using (var error = await gateway.PublicClient.PutAsync("/items/5", new StringContent("{}", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, error.StatusCode);
        }

        backend.FailPutsWith = 0;
        using (var ok = await gateway.PublicClient.PutAsync("/items/5", new StringContent("{}", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        // The stream from the cursor taken before the three writes holds only the successful one (the watch interval is
        // five minutes here, and its first poll publishes the baseline as version 1 or 2 — filtered by method).
        var items = await RawPushClient.CollectAsync(RawPushClient.StreamAsync("longpolling", gateway.PublicUrl, path, cursor, CancellationToken.None),
            got => got.Any(e => e.Kind == PushItemKind.Event && e.Data!.Contains("\"method\"", StringComparison.Ordinal)), Timeout);
        var notify = items.Where(e => e.Kind == PushItemKind.Event && e.Data!.Contains("\"method\"", StringComparison.Ordinal)).ToList();
        var changed = Assert.Single(notify);
        Assert.Equal("changed", changed.EventType);
        var body = JsonDocument.Parse(changed.Data!).RootElement;
        Assert.Equal("PUT", body.GetProperty("method").GetString());
        Assert.Equal("/items/5", body.GetProperty("path").GetString());
        Assert.Equal(200, body.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task ThousandConditionalPolls_OfAnUnchangedResource_CostOneBackendGet_ThenAChangeIsSeen()
    {
        await using var nats = await NatsServerFixture.LaunchAsync();
        await using var backend = await PlainResourceBackend.StartAsync();
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, WatchTests.Config(backend.Url, "00:05:00"), output, "JetStream"));
        await Eventually.TrueAsync(async () => (await gateway.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, Timeout, "ready");

        using var first = await gateway.PublicClient.GetAsync("/items/3");
        var etag = first.Headers.ETag!;

        // The first 200 opens the resource's change feed; from the next conditional GET on, the edge knows it is current.
        await Eventually.TrueAsync(async () =>
        {
            var gets = backend.Gets;
            using var probe = new HttpRequestMessage(HttpMethod.Get, "/items/3");
            probe.Headers.IfNoneMatch.Add(etag);
            using var answer = await gateway.PublicClient.SendAsync(probe);
            return answer.StatusCode == HttpStatusCode.NotModified && backend.Gets == gets;
        }, Timeout, "a conditional GET is answered from the edge cache");
        var before = backend.Gets;

        var polls = await Task.WhenAll(Enumerable.Range(0, 1000).Select(async _ =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/items/3");
            request.Headers.IfNoneMatch.Add(etag);
            using var response = await gateway.PublicClient.SendAsync(request);
            return response.StatusCode;
        }));
        Assert.All(polls, s => Assert.Equal(HttpStatusCode.NotModified, s));
        Assert.Equal(before, backend.Gets);

        // A write through the gateway (notify-on-write) ends the edge answers: the next poll gets the new body.
        using (var put = await gateway.PublicClient.PutAsync("/items/3", new StringContent("{}", Encoding.UTF8, "application/json")))
        {
            put.EnsureSuccessStatusCode();
        }

        using var again = new HttpRequestMessage(HttpMethod.Get, "/items/3");
        again.Headers.IfNoneMatch.Add(etag);
        using var fresh = await gateway.PublicClient.SendAsync(again);
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        Assert.NotEqual(etag, fresh.Headers.ETag);
        Assert.Equal(2, JsonDocument.Parse(await fresh.Content.ReadAsStringAsync()).RootElement.GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task EdgeCache_ChangeEventFromAnotherInstance_EndsTheEdgeAnswers()
    {
        await using var nats = await NatsServerFixture.LaunchAsync();
        await using var backend = await PlainResourceBackend.StartAsync();
        await using var a = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, WatchTests.Config(backend.Url, "00:05:00"), output, "JetStream"));
        await using var b = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, WatchTests.Config(backend.Url, "00:05:00"), output, "JetStream"));
        foreach (var g in new[] { a, b })
        {
            await Eventually.TrueAsync(async () => (await g.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, Timeout, "ready");
        }

        using var first = await a.PublicClient.GetAsync("/items/8");
        var etag = first.Headers.ETag!;
        Assert.Equal(HttpStatusCode.NotModified, (await ConditionalAsync(a, etag)).StatusCode);

        // The write goes through B; A learns of it from the change subject and asks the backend again.
        (await b.PublicClient.PutAsync("/items/8", new StringContent("{}", Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
        await Eventually.TrueAsync(async () => (await ConditionalAsync(a, etag)).StatusCode == HttpStatusCode.OK, Timeout, "A serves the new representation");
    }

    private static async Task<HttpResponseMessage> ConditionalAsync(GatewayInstance g, EntityTagHeaderValue etag)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/items/8");
        request.Headers.IfNoneMatch.Add(etag);
        return await g.PublicClient.SendAsync(request);
    }
}
