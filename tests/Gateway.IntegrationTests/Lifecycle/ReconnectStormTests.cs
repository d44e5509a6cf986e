using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Lifecycle;

/// <summary>
/// A reconnect storm against one instance: it stays responsive, admits at the bucket's pace, refuses the rest with
/// Retry-After, and everyone is connected about when the bucket says. (Scaled down; the full-size storm is in bench/.)
/// </summary>
[Collection(NatsCollection.Name)]
public sealed class ReconnectStormTests(NatsServerFixture nats, ITestOutputHelper output)
{
    private const int Clients = 1000;
    private const int Rate = 250;
    private const int Burst = 100;

    private static readonly string Config = $$"""
        {
          "Gateway": {
            "Limits": { "MaxSessionsPerClient": 1000000, "MaxPollsInFlightPerClient": 1000000, "MaxNegotiationsInFlightPerClient": 1000000, "ConnectRatePerClient": 100000, "ConnectBurstPerClient": 100000, "GlobalConnectRate": {{Rate}}, "GlobalConnectBurst": {{Burst}} }
          },
          "ReverseProxy": {
            "Routes": {
              "s": { "Match": { "Path": "/s/{id}/events" }, "Metadata": { "Push.Subject": "s.{id}" } },
              "rest": { "ClusterId": "b", "Match": { "Path": "/rest" } }
            },
            "Clusters": { "b": { "Destinations": { "d": { "Address": "BACKEND" } } } }
          }
        }
        """;

    [Fact]
    public async Task ThousandClientsAtOnce_AdmittedAtTheBucketsPace_RefusedWithRetryAfter_InstanceStaysResponsive()
    {
        await using var backend = await TestBackend.StartAsync(app => app.MapGet("/rest", () => Results.Json(new { ok = true })));
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config.Replace("BACKEND", backend.Url, StringComparison.Ordinal), output, "Memory"));

        var admitted = new ConcurrentBag<TimeSpan>();
        var sockets = new ConcurrentBag<ClientWebSocket>();
        var refusals = 0;
        var refusalsWithoutRetryAfter = 0;
        var clock = Stopwatch.StartNew();
        var wsUrl = new Uri(gateway.PublicUrl.Replace("http", "ws", StringComparison.Ordinal) + "/s/1/events");
        var storm = Enumerable.Range(0, Clients).Select(_ => Task.Run(async () =>
        {
            while (clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                var ws = new ClientWebSocket();
                ws.Options.CollectHttpResponseDetails = true;
                try
                {
                    await ws.ConnectAsync(wsUrl, CancellationToken.None);
                    admitted.Add(clock.Elapsed);
                    sockets.Add(ws);
                    return;
                }
                catch (WebSocketException)
                {
                    Assert.Equal(HttpStatusCode.TooManyRequests, ws.HttpStatusCode);
                    Interlocked.Increment(ref refusals);
                    var retry = ws.HttpResponseHeaders?.TryGetValue("Retry-After", out var values) == true && int.TryParse(values.First(), out var s) ? s : -1;
                    if (retry < 1)
                    {
                        Interlocked.Increment(ref refusalsWithoutRetryAfter);
                    }

                    ws.Dispose();

                    // Full jitter within the advised delay, as the clients do.
                    await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(0, Math.Max(1, retry) * 1000)));
                }
            }
        })).ToList();

        // During the storm the instance still answers health checks and proxies REST.
        while (storm.Any(t => !t.IsCompleted) && clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            using var health = await gateway.ManagementClient.GetAsync("/healthz");
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            using var rest = await gateway.PublicClient.GetAsync("/rest");
            Assert.Equal(HttpStatusCode.OK, rest.StatusCode);
            await Task.WhenAny(Task.WhenAll(storm), Task.Delay(200));
        }

        await Task.WhenAll(storm);
        var times = admitted.OrderBy(t => t).ToList();
        Assert.Equal(Clients, times.Count);
        Assert.True(refusals > 0, "a storm above the bucket must be refused in part");
        Assert.Equal(0, refusalsWithoutRetryAfter);

        // Admissions follow the bucket: never more than the burst plus the refill since the start (10% slack for timer steps).
        foreach (var (t, i) in times.Select((t, i) => (t, i + 1)))
        {
            var allowed = Burst + (Rate * t.TotalSeconds * 1.1) + (Rate / 10.0);
            Assert.True(i <= allowed, $"{i} connections admitted by {t.TotalSeconds:F2} s; the bucket allows {allowed:F0}");
        }

        // Everyone is in about when the bucket predicts ((clients - burst) / rate), with room for the clients' jitter.
        var predicted = TimeSpan.FromSeconds((Clients - Burst) / (double)Rate);
        Assert.True(times[^1] < (predicted * 3) + TimeSpan.FromSeconds(5), $"last admitted at {times[^1].TotalSeconds:F1} s; the bucket predicts {predicted.TotalSeconds:F1} s");
        output.WriteLine($"{refusals} refusals; last of {Clients} admitted at {times[^1].TotalSeconds:F2} s (bucket predicts {predicted.TotalSeconds:F2} s)");

        foreach (var ws in sockets)
        {
            ws.Abort();
            ws.Dispose();
        }
    }
}
