using System.Diagnostics;
using System.Text.Json;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.IntegrationTests.Transports;

namespace Gateway.IntegrationTests.Watch;

/// <summary>Push from an API that publishes nothing: the gateway polls it once per interval, on one instance.</summary>
public sealed class WatchTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    internal static string Config(string backend, string interval = "00:00:00.500") => $$"""
        {
          "Gateway": { "Limits": { "MaxSessionsPerClient": 1000000, "GlobalConnectRate": 100000, "GlobalConnectBurst": 100000, "ConnectRatePerClient": 100000, "ConnectBurstPerClient": 100000, "PollRatePerClient": 100000, "PollBurstPerClient": 100000 } },
          "ReverseProxy": {
            "Routes": {
              "items": { "ClusterId": "catalog", "Match": { "Path": "/items/{id}" }, "Metadata": { "Push.Notify": "items.{id}" } },
              "item-events": { "ClusterId": "catalog", "Match": { "Path": "/items/{id}/events" },
                "Metadata": { "Push.Subject": "items.{id}", "Push.Watch": "/items/{id}", "Push.WatchInterval": "{{interval}}", "Push.Heartbeat": "00:00:02" } }
            },
            "Clusters": { "catalog": { "Destinations": { "c1": { "Address": "{{backend}}" } } } }
          }
        }
        """;

    [Fact]
    public async Task ThousandClientsOverTwoInstances_OneBackendGetPerInterval_EveryChangeReachesEveryone()
    {
        await using var nats = await NatsServerFixture.LaunchAsync();
        await using var backend = await PlainResourceBackend.StartAsync();
        await using var a = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config(backend.Url), output, "JetStream"));
        await using var b = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config(backend.Url), output, "JetStream"));
        foreach (var g in new[] { a, b })
        {
            await Eventually.TrueAsync(async () => (await g.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, Timeout, "ready");
        }

        var path = "/items/42/events";
        var cursor = await MatrixGateways.NegotiateCursorAsync(a, path);
        const int changes = 4;
        var transports = new[] { "sse", "websocket", "longpolling", "polling" };
        var clients = Enumerable.Range(0, 1000).Select(i =>
        {
            var gateway = i % 2 == 0 ? a : b;
            return RawPushClient.CollectAsync(RawPushClient.StreamAsync(transports[i % 4], gateway.PublicUrl, path, cursor, CancellationToken.None),
                got => got.Count(e => e.Kind == PushItemKind.Event && e.EventType == "changed") >= changes + 1, Timeout);
        }).ToList();

        var started = Stopwatch.StartNew();
        var getsAtStart = backend.Gets;
        for (var v = 2; v <= changes + 1; v++)
        {
            // Wait for the watch to have seen the current version before changing it again, so each change is observable.
            await Eventually.TrueAsync(() => backend.Gets > getsAtStart, Timeout, "the watch polls");
            getsAtStart = backend.Gets;
            backend.Change("42");
        }

        var results = await Task.WhenAll(clients);
        var elapsed = started.Elapsed;
        foreach (var items in results)
        {
            var versions = items.Where(e => e.Kind == PushItemKind.Event && e.EventType == "changed")
                .Select(e => JsonDocument.Parse(e.Data!).RootElement.GetProperty("version").GetInt32()).ToList();
            Assert.Equal(Enumerable.Range(1, changes + 1), versions);
        }

        // One poller across both instances: no more than one GET per interval (plus the first).
        Assert.True(backend.Gets <= (elapsed / TimeSpan.FromMilliseconds(500)) + 2, $"{backend.Gets} backend GETs in {elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public async Task LeaseHolderKilled_AnotherInstanceTakesOver_AndNoChangeIsMissed()
    {
        await using var nats = await NatsServerFixture.LaunchAsync();
        await using var backend = await PlainResourceBackend.StartAsync();
        await using var a = await GatewayProcess.StartAsync(GatewayLaunchOptions.For(nats, Config(backend.Url), output, "JetStream"));
        await using var b = await GatewayProcess.StartAsync(GatewayLaunchOptions.For(nats, Config(backend.Url), output, "JetStream"));
        foreach (var g in new[] { a, b })
        {
            await Eventually.TrueAsync(async () => (await g.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, Timeout, "ready");
        }

        var path = "/items/7/events";
        using var negotiate = await b.PublicClient.PostAsync(path + "/negotiate", null);
        var cursor = JsonDocument.Parse(await negotiate.Content.ReadAsStringAsync()).RootElement.GetProperty("cursor").GetString();

        // A subscriber on each instance; whichever holds the lease polls.
        using var stopA = new CancellationTokenSource();
        var onA = RawPushClient.CollectAsync(RawPushClient.SseAsync(a.PublicUrl, path, cursor, stopA.Token), _ => false, Timeout);
        var onB = RawPushClient.CollectAsync(RawPushClient.SseAsync(b.PublicUrl, path, cursor, CancellationToken.None),
            got => got.Count(e => e.Kind == PushItemKind.Event) >= 3, Timeout);
        await Eventually.TrueAsync(async () => await PollsAsync(a) + await PollsAsync(b) > 0, Timeout, "someone polls");
        var holder = await PollsAsync(a) > 0 ? a : b;
        var survivor = holder == a ? b : a;

        backend.Change("7");
        await Eventually.TrueAsync(async () => await ChangesAsync(holder) >= 2, Timeout, "the holder publishes the change");

        // The holder dies; a change made right after must still be published, by the survivor.
        holder.Kill();
        backend.Change("7");
        await Eventually.TrueAsync(async () => await ChangesAsync(survivor) >= 1, Timeout, "the survivor takes over and publishes the missed change");

        if (holder == a)
        {
            var events = (await onB).Where(e => e.Kind == PushItemKind.Event).Select(e => JsonDocument.Parse(e.Data!).RootElement.GetProperty("version").GetInt32()).ToList();
            Assert.Equal([1, 2, 3], events);
        }

        await stopA.CancelAsync();
        await onA;
    }

    [Fact]
    public async Task FailingBackend_DoesNotMakeTheWatchSpin()
    {
        await using var nats = await NatsServerFixture.LaunchAsync();
        var gets = 0;
        await using var failing = await TestBackend.StartAsync(app => app.MapGet("/items/{id}", (HttpContext http) =>
        {
            Interlocked.Increment(ref gets);
            http.Response.Headers.RetryAfter = "2";
            return Results.StatusCode(503);
        }));
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config(failing.Url, "00:00:00.200"), output, "Memory"));
        using var stop = new CancellationTokenSource();
        var client = RawPushClient.CollectAsync(RawPushClient.SseAsync(gateway.PublicUrl, "/items/9/events", null, stop.Token), _ => false, Timeout);
        await Eventually.TrueAsync(() => Volatile.Read(ref gets) >= 1, Timeout, "the first poll");
        var watch = Stopwatch.StartNew();
        await Eventually.TrueAsync(() => Volatile.Read(ref gets) >= 2, Timeout, "the second poll, after Retry-After");
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(1.5), $"the watch polled again after {watch.Elapsed.TotalSeconds:F2} s despite Retry-After: 2");
        await stop.CancelAsync();
        await client;
    }

    private static async Task<double> PollsAsync(GatewayProcess g) => Sum(await g.ManagementClient.GetStringAsync("/metrics"), "gateway_watch_polls_total{");

    private static async Task<double> ChangesAsync(GatewayProcess g) => Sum(await g.ManagementClient.GetStringAsync("/metrics"), "gateway_watch_polls_total{route=\"item-events\",result=\"changed\"}");

    private static double Sum(string metrics, string prefix) => metrics.Split('\n')
        .Where(l => l.StartsWith(prefix, StringComparison.Ordinal))
        .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
}
