using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Security;

/// <summary>
/// Kestrel limits from <c>Gateway:Server</c> on raw sockets: a client trickling its headers (slowloris) or its body below
/// the configured rate is cut within the configured time, and nothing reaches a backend (docs/security.md, "Kestrel limits").
/// The rates are chosen so Kestrel's own defaults (30 s for headers, 240 B/s for bodies) would not cut them in time.
/// </summary>
[Collection(NatsCollection.Name)]
public sealed class ServerLimitTests(NatsServerFixture nats, ITestOutputHelper output)
{
    // Kestrel checks its timeouts on a one-second heartbeat; a loaded machine adds its own delay.
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(4);

    private static readonly TimeSpan Configured = TimeSpan.FromSeconds(2);

    private static string Config(string backend) => $$"""
        {
          "Gateway": {
            "Server": { "RequestHeadersTimeout": "00:00:02", "MinRequestBodyBytesPerSecond": 1000, "MinRequestBodyGracePeriod": "00:00:02" }
          },
          "ReverseProxy": {
            "Routes": {
              "items": { "ClusterId": "backend", "Match": { "Path": "/items/{id}" } },
              "room": { "Match": { "Path": "/rooms/{room}/events" }, "Metadata": { "Push.Subject": "rooms.{room}", "Push.Upstream": "rooms.{room}.in" } }
            },
            "Clusters": { "backend": { "Destinations": { "one": { "Address": "{{backend}}/" } } } }
          }
        }
        """;

    private int _completeBodies;

    /// <summary>A backend that reads each request body whole and counts the bodies it got to the end of.</summary>
    private Task<TestBackend> BackendAsync(ITestOutputHelper output) => TestBackend.StartAsync(
        app => app.Map("/{**path}", async (HttpContext context) =>
        {
            await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
            Interlocked.Increment(ref _completeBodies);
            return "{}";
        }),
        output);

    [Fact]
    public async Task SlowHeaders_TrickledByteByByte_AreCutWithinTheConfiguredTimeout()
    {
        await using var backend = await BackendAsync(output);
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config(backend.Url), output, "Memory"));

        // One byte every 100 ms into one header: 10 B/s, never a complete request, never over a size or count limit.
        var (elapsed, answer) = await TrickleAsync(gateway, "GET /items/1 HTTP/1.1\r\nHost: a\r\nX-Slow: ", _ => "a");

        output.WriteLine($"cut after {elapsed.TotalSeconds:F1} s: {answer}");
        Assert.InRange(elapsed, Configured - TimeSpan.FromSeconds(1), Configured + Slack);
        Assert.True(answer.Length == 0 || answer.StartsWith("HTTP/1.1 408", StringComparison.Ordinal), answer);
        Assert.Equal(0, backend.RequestCount);
    }

    [Theory]
    [InlineData("upstream", "POST /rooms/a/events HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n")]
    [InlineData("proxied", "POST /items/1 HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n")]
    public async Task SlowBody_BelowTheConfiguredRate_IsCutAfterTheGracePeriod(string target, string head)
    {
        await using var backend = await BackendAsync(output);
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config(backend.Url), output, "Memory"));

        // 30 bytes every 100 ms: 300 B/s, above Kestrel's default minimum (240 B/s), below the configured 1,000 B/s.
        var (elapsed, answer) = await TrickleAsync(gateway, head + "{\"pad\":\"", _ => new string('x', 30));

        output.WriteLine($"{target}: cut after {elapsed.TotalSeconds:F1} s: {answer}");
        Assert.InRange(elapsed, Configured - TimeSpan.FromSeconds(1), Configured + Slack);
        Assert.DoesNotContain("202", answer.Split('\n')[0], StringComparison.Ordinal);
        Assert.Equal(0, Volatile.Read(ref _completeBodies));
        var metrics = await gateway.ManagementClient.GetStringAsync("/metrics");
        Assert.DoesNotContain("result=\"published\"} 1", metrics, StringComparison.Ordinal);
    }

    /// <summary>
    /// Sends <paramref name="head"/>, then a piece every 100 ms until the gateway closes the connection; how long that
    /// took and what it answered. Bounded at 30 s (a gateway that never cuts fails the caller's range check).
    /// </summary>
    private static async Task<(TimeSpan Elapsed, string Answer)> TrickleAsync(GatewayInstance gateway, string head, Func<int, string> piece)
    {
        var endpoint = new Uri(gateway.PublicUrl);
        using var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(endpoint.Host, endpoint.Port);
        var stream = client.GetStream();
        var clock = Stopwatch.StartNew();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));

        using var cut = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var trickle = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
            try
            {
                for (var i = 0; await timer.WaitForNextTickAsync(cut.Token); i++)
                {
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(piece(i)), cut.Token);
                }
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
            {
            }
        });

        var answer = new StringBuilder();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, cut.Token)) > 0)
            {
                answer.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }
        }
        catch (IOException)
        {
            // Reset by the server: cut as well.
        }
        catch (OperationCanceledException)
        {
            answer.Append("(never cut)");
        }

        var elapsed = clock.Elapsed;
        await cut.CancelAsync();
        await trickle;
        return (elapsed, answer.ToString());
    }
}
