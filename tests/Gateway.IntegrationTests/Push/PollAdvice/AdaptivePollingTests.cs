using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.IntegrationTests.Transports;

namespace Gateway.IntegrationTests.Push.PollAdvice;

/// <summary>
/// Adaptive short polling over real Kestrel and nats-server (docs/polling.md): pollers of a busy subject are told to come
/// back sooner than pollers of a quiet one, every hint within the route's bounds and jittered.
/// </summary>
[Collection(NatsCollection.Name)]
public sealed class AdaptivePollingTests(NatsServerFixture nats, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Min = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(5);

    private const string Config = """
        {
          "Gateway": {
            "Limits": { "PollRatePerClient": 100000, "PollBurstPerClient": 100000, "ConnectRatePerClient": 1000, "ConnectBurstPerClient": 1000 }
          },
          "ReverseProxy": {
            "Routes": {
              "prices": {
                "Match": { "Path": "/prices/{ticker}/events" },
                "Metadata": { "Push.Subject": "prices.{ticker}", "Push.PollIntervalMin": "00:00:00.200", "Push.PollIntervalMax": "00:00:05" }
              }
            },
            "Clusters": {}
          }
        }
        """;

    [Fact]
    public async Task ShortPolls_TenOnABusySubjectTenOnAQuietOne_BusyAreToldToPollSooner_AllWithinBounds_NotInLockstep()
    {
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, Config, output));
        await Eventually.TrueAsync(async ct => (await gateway.ManagementClient.GetAsync("readyz", ct)).IsSuccessStatusCode, Timeout, "the gateway to be ready");
        var id = Guid.NewGuid().ToString("N")[..10];
        var busy = $"/prices/B{id}/events";
        var quiet = $"/prices/Q{id}/events";

        // About 20 events a second on the busy subject, for as long as the test runs.
        using var stop = new CancellationTokenSource(Timeout);
        var publisher = Task.Run(async () =>
        {
            using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
            var n = 0;
            while (await tick.WaitForNextTickAsync(stop.Token))
            {
                await MatrixGateways.PublishAsync(gateway, $"prices.B{id}", $"{{\"n\":{n++}}}");
            }
        });

        var seen = new List<TimeSpan>();
        List<TimeSpan> busyHints = [], quietHints = [];
        await Eventually.TrueAsync(async ct =>
        {
            busyHints = [.. await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => PollHintAsync(gateway, busy, ct)))];
            quietHints = [.. await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => PollHintAsync(gateway, quiet, ct)))];
            seen.AddRange(busyHints);
            seen.AddRange(quietHints);
            return busyHints.Max() < quietHints.Min();
        }, Timeout, "busy pollers to be told a shorter interval than quiet ones");

        Assert.All(seen, h => Assert.InRange(h, Min, Max));
        Assert.True(busyHints.Distinct().Count() > 1 && quietHints.Distinct().Count() > 1,
            $"hints in lockstep: busy {string.Join(", ", busyHints)}; quiet {string.Join(", ", quietHints)}");

        // Negotiate tells the same story in pollIntervalMs.
        var busyNegotiated = await NegotiatedAsync(gateway, busy);
        var quietNegotiated = await NegotiatedAsync(gateway, quiet);
        Assert.InRange(busyNegotiated, Min, Max);
        Assert.InRange(quietNegotiated, Min, Max);
        Assert.True(busyNegotiated < quietNegotiated, $"negotiate: busy {busyNegotiated}, quiet {quietNegotiated}");

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => publisher);
    }

    /// <summary>One short poll from now (no cursor): its <c>X-Poll-Interval</c>.</summary>
    private static async Task<TimeSpan> PollHintAsync(GatewayInstance gateway, string path, CancellationToken cancellationToken)
    {
        using var response = await gateway.PublicClient.GetAsync(path + "?transport=polling", cancellationToken);
        response.EnsureSuccessStatusCode();
        var hint = response.Headers.GetValues("X-Poll-Interval").Single();
        return TimeSpan.FromSeconds(double.Parse(hint, NumberStyles.Float, CultureInfo.InvariantCulture));
    }

    private static async Task<TimeSpan> NegotiatedAsync(GatewayInstance gateway, string path)
    {
        using var cts = new CancellationTokenSource(Timeout);
        using var response = await gateway.PublicClient.PostAsync(path + "/negotiate", null, cts.Token);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cts.Token);
        return TimeSpan.FromMilliseconds(body.GetProperty("pollIntervalMs").GetInt32());
    }
}
