using System.Diagnostics;
using System.Text.Json;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.IntegrationTests.Transports;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.IntegrationTests.Watch;

/// <summary>Push from an API that publishes nothing: the gateway polls it once per interval, on one instance.</summary>
public sealed class WatchTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    internal static string Config(string backend, string interval = "00:00:00.500") => $$"""
        {
          "Gateway": { "Limits": { "MaxSessionsPerClient": 1000000, "MaxPollsInFlightPerClient": 1000000, "MaxNegotiationsInFlightPerClient": 1000000, "GlobalConnectRate": 100000, "GlobalConnectBurst": 100000, "ConnectRatePerClient": 100000, "ConnectBurstPerClient": 100000, "PollRatePerClient": 100000, "PollBurstPerClient": 100000 } },
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

        // Each version is changed only after the watch announced it, so every change is observable. A GET the backend saw
        // is not enough: on a loaded machine the poll that made it can time out, or be superseded (its holder's lease
        // lapsed while it waited) and not publish; a watch announces the versions a completed poll saw, not every version.
        using var probeStop = new CancellationTokenSource();
        var probe = RawPushClient.FollowAsync("sse", [a.PublicUrl], path, cursor, probeStop.Token);
        var started = Stopwatch.StartNew();
        for (var v = 2; v <= changes + 1; v++)
        {
            var current = v - 1;
            await Eventually.TrueAsync(() => Announced(probe).Contains(current), Timeout, $"the watch announces version {current}");
            backend.Change("42");
        }

        var results = await Task.WhenAll(clients);
        var elapsed = started.Elapsed;
        var gets = backend.Gets;
        await probeStop.CancelAsync();
        await probe.Completion;
        var wrong = new List<string>();
        for (var i = 0; i < results.Length; i++)
        {
            var versions = results[i].Where(e => e.Kind == PushItemKind.Event && e.EventType == "changed")
                .Select(e => JsonDocument.Parse(e.Data!).RootElement.GetProperty("version").GetInt32()).ToList();
            if (!versions.SequenceEqual(Enumerable.Range(1, changes + 1)))
            {
                wrong.Add($"client {i} ({transports[i % 4]} on {(i % 2 == 0 ? "a" : "b")}, cursor {cursor}): versions [{string.Join(",", versions)}]; " +
                    string.Join(" ", results[i].Select(e => $"{e.Kind}:{e.Id ?? e.Cursor ?? e.Reason}")));
            }
        }

        Assert.True(wrong.Count == 0, $"{wrong.Count} clients did not get every version:{Environment.NewLine}{string.Join(Environment.NewLine, wrong.Take(20))}");

        // One poller across both instances: no more than one GET per interval (plus the first).
        Assert.True(gets <= (elapsed / TimeSpan.FromMilliseconds(500)) + 2, $"{gets} backend GETs in {elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public async Task FailingBackend_DoesNotMakeTheWatchSpin()
    {
        await using var nats = await NatsServerFixture.LaunchAsync();
        var clock = Stopwatch.StartNew();
        var times = new System.Collections.Concurrent.ConcurrentQueue<TimeSpan>();
        await using var failing = await TestBackend.StartAsync(app => app.MapGet("/items/{id}", (HttpContext http) =>
        {
            times.Enqueue(clock.Elapsed);
            http.Response.Headers.RetryAfter = "2";
            return Results.StatusCode(503);
        }));
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config(failing.Url, "00:00:00.200"), output, "Memory"));
        using var stop = new CancellationTokenSource();
        var client = RawPushClient.CollectAsync(RawPushClient.SseAsync(gateway.PublicUrl, "/items/9/events", null, stop.Token), _ => false, Timeout);

        // Judged on the polls whose 503 the watch saw: on a loaded machine a poll the backend answered can still time out
        // in the gateway (one interval), and then the watch knows of no Retry-After and backs off from the interval.
        await Eventually.TrueAsync(async () => await OneWriteOneChangeTests.WatchPollsAsync(gateway, "backend_error") >= 2, Timeout, "two polls answered 503");
        var metrics = await gateway.ManagementClient.GetStringAsync("/metrics");
        await stop.CancelAsync();
        await client;

        // Polls run one after another, so the first (answered + failed) GETs are the ones the watch has finished with; the
        // poll after one it saw answered comes 2 s later, and only one after a failed poll may come sooner.
        var answered = MetricsText.Sum(metrics, "gateway_watch_polls_total{route=\"item-events\",result=\"backend_error\"}");
        var failed = MetricsText.Sum(metrics, "gateway_watch_polls_total{route=\"item-events\",result=\"error\"}");
        var polls = times.ToArray();
        var finished = (int)Math.Min(answered + failed, polls.Length - 1);
        var gaps = Enumerable.Range(1, finished).Select(i => polls[i] - polls[i - 1]).ToList();
        var soon = gaps.Count(g => g < TimeSpan.FromSeconds(1.5));
        Assert.True(soon <= failed,
            $"{soon} polls came less than 1.5 s after the previous one despite Retry-After: 2 ({failed} polls failed); gaps: {string.Join(", ", gaps.Select(g => g.TotalSeconds.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)))} s");
    }

    [Fact]
    public async Task RetryAfter_WithTwoInstances_TheHolderKeepsTheLease_AndNobodyPollsDuringTheQuiet()
    {
        await using var nats = await NatsServerFixture.LaunchAsync();
        var clock = Stopwatch.StartNew();
        var times = new System.Collections.Concurrent.ConcurrentQueue<TimeSpan>();
        await using var failing = await TestBackend.StartAsync(app => app.MapGet("/items/{id}", (HttpContext http) =>
        {
            times.Enqueue(clock.Elapsed);
            http.Response.Headers.RetryAfter = "5";
            return Results.StatusCode(503);
        }));

        // A 1 s interval is a 3 s lease: without renewals during the 5 s quiet (and without the quiet in the shared
        // baseline), the other instance would take the lease and poll before the quiet is over. Not shorter: on a loaded
        // machine KV round trips of a few hundred milliseconds let a 600 ms lease lapse between renewals.
        await using var a = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config(failing.Url, "00:00:01"), output, "JetStream"));
        await using var b = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config(failing.Url, "00:00:01"), output, "JetStream"));
        foreach (var g in new[] { a, b })
        {
            await Eventually.TrueAsync(async () => (await g.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, Timeout, "ready");
        }

        using var stop = new CancellationTokenSource();
        var clients = new[] { a, b }.Select(g => RawPushClient.CollectAsync(RawPushClient.SseAsync(g.PublicUrl, "/items/9/events", null, stop.Token), _ => false, Timeout)).ToList();
        await Eventually.TrueAsync(async () => await PollsAsync("backend_error") >= 2, Timeout, "two polls answered 503");
        var answered = await PollsAsync("backend_error");
        var failed = await PollsAsync("error");
        await stop.CancelAsync();
        await Task.WhenAll(clients);

        // As in FailingBackend_DoesNotMakeTheWatchSpin: judged after the polls the watch finished, and a poll that failed
        // (timed out on a loaded machine: no Retry-After seen) may be followed sooner.
        var polls = times.ToArray();
        var finished = (int)Math.Min(answered + failed, polls.Length - 1);
        var gaps = Enumerable.Range(1, finished).Select(i => polls[i] - polls[i - 1]).ToList();
        var soon = gaps.Count(g => g < TimeSpan.FromSeconds(4));
        Assert.True(soon <= failed,
            $"{soon} polls came less than 4 s after the previous one despite Retry-After: 5 ({failed} polls failed); gaps: {string.Join(", ", gaps.Select(g => g.TotalSeconds.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)))} s");

        async Task<double> PollsAsync(string result) =>
            await OneWriteOneChangeTests.WatchPollsAsync(a, result) + await OneWriteOneChangeTests.WatchPollsAsync(b, result);
    }

    [Fact]
    public async Task RetryAfter_HolderLeaves_TheNextHolderWaitsOutTheQuiet()
    {
        await using var nats = await NatsServerFixture.LaunchAsync();
        var clock = Stopwatch.StartNew();
        var times = new System.Collections.Concurrent.ConcurrentQueue<TimeSpan>();
        await using var failing = await TestBackend.StartAsync(app => app.MapGet("/items/{id}", (HttpContext http) =>
        {
            times.Enqueue(clock.Elapsed);
            http.Response.Headers.RetryAfter = "6";
            return Results.StatusCode(503);
        }));
        await using var a = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config(failing.Url, "00:00:00.200"), output, "JetStream"));
        await using var b = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config(failing.Url, "00:00:00.200"), output, "JetStream"));
        foreach (var g in new[] { a, b })
        {
            await Eventually.TrueAsync(async () => (await g.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, Timeout, "ready");
        }

        // A holds the lease and is told to keep quiet for 6 s; then its last subscriber leaves, its watch stops and
        // releases the lease, and B (subscribed meanwhile) takes it over: the quiet is the backend's, not A's.
        using var stopA = new CancellationTokenSource();
        using var stopB = new CancellationTokenSource();
        var onA = RawPushClient.CollectAsync(RawPushClient.SseAsync(a.PublicUrl, "/items/9/events", null, stopA.Token), _ => false, Timeout);
        await Eventually.TrueAsync(async () => await OneWriteOneChangeTests.WatchPollsAsync(a, "backend_error") >= 1, Timeout, "A's poll answered 503");

        // Every GET so far is A's, and the last one is the 503 it saw (polls before it may have timed out on a loaded
        // machine; after it A keeps quiet).
        var told = times.Count - 1;
        var onB = RawPushClient.CollectAsync(RawPushClient.SseAsync(b.PublicUrl, "/items/9/events", null, stopB.Token), _ => false, Timeout);
        var watchesOnA = a.Services.GetRequiredService<Gateway.Watch.WatchRegistry>();
        await stopA.CancelAsync();
        await onA;
        await Eventually.TrueAsync(() => watchesOnA.Count == 0, Timeout, "A's watch stops");
        await Eventually.TrueAsync(() => times.Count > told + 1, Timeout, "B polls after the quiet");
        await stopB.CancelAsync();
        await onB;

        var polls = times.ToArray();
        Assert.True(polls[told + 1] - polls[told] >= TimeSpan.FromSeconds(5.5),
            $"B polled {(polls[told + 1] - polls[told]).TotalSeconds:F2} s after A was told Retry-After: 6");
    }

    [Theory]
    [InlineData(404)]
    [InlineData(410)]
    public async Task ResourceGone_TheWatchStops_AndANewSubscriberDoesNotRestartItForAWhile(int status)
    {
        await using var nats = await NatsServerFixture.LaunchAsync();
        var gets = 0;
        await using var backend = await TestBackend.StartAsync(app => app.MapGet("/items/{id}", () =>
        {
            Interlocked.Increment(ref gets);
            return Results.StatusCode(status);
        }));
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config(backend.Url, "00:00:00.100"), output, "Memory"));
        var watches = gateway.Services.GetRequiredService<Gateway.Watch.WatchRegistry>();
        using var stop = new CancellationTokenSource();
        var first = RawPushClient.CollectAsync(RawPushClient.SseAsync(gateway.PublicUrl, "/items/9/events", null, stop.Token), _ => false, Timeout);
        await Eventually.TrueAsync(() => Volatile.Read(ref gets) >= 1, Timeout, "the first poll");
        await Eventually.TrueAsync(() => !watches.IsPolling("items.9"), Timeout, "the watch stops");

        // One GET, or more when a poll timed out on a loaded machine and was retried before the 404/410 came back.
        var beforeSecond = Volatile.Read(ref gets);

        // Another subscriber within the absence time finds the watch stopped and leaves it so.
        var second = RawPushClient.CollectAsync(RawPushClient.SseAsync(gateway.PublicUrl, "/items/9/events", null, stop.Token), _ => false, Timeout);

        // A session is registered after it acquired the watch.
        await Eventually.TrueAsync(() => SessionsOn(gateway) >= 2, Timeout, "the second session is up");
        Assert.False(watches.IsPolling("items.9"));
        Assert.Equal(beforeSecond, Volatile.Read(ref gets));
        await stop.CancelAsync();
        await Task.WhenAll(first, second);
    }

    private static List<int> Announced(FollowingClient client)
    {
        lock (client.Received)
        {
            return [.. client.Received.Where(e => e.Kind == PushItemKind.Event && e.EventType == "changed")
                .Select(e => JsonDocument.Parse(e.Data!).RootElement.GetProperty("version").GetInt32())];
        }
    }

    private static int SessionsOn(GatewayInstance gateway) => gateway.Services.GetRequiredService<Gateway.Sessions.SessionRegistry>().Count;
}
