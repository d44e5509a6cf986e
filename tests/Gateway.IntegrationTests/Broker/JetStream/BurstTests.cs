using System.Globalization;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.IntegrationTests.Transports;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Gateway.IntegrationTests.Broker.JetStream;

/// <summary>
/// A burst larger than the server lets queue on one connection (docs/scale-out.md "Bursts"): the gateway pulls in
/// batches bounded in bytes, so the server never cuts it as a slow consumer, and every client gets every event.
/// The server's <c>max_pending</c> is lowered to 4 MiB so the burst is small enough to run in seconds.
/// </summary>
public sealed class BurstTests(ITestOutputHelper output)
{
    private const int Subjects = 8;
    private const int EventsPerSubject = 64;
    private const int PayloadBytes = 64 * 1024;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private static readonly string[] Transports = ["sse", "websocket", "longpolling"];

    private const string Config = """
        {
          "Gateway": { "Limits": { "ConnectRatePerClient": 10000, "ConnectBurstPerClient": 10000, "PollRatePerClient": 10000, "PollBurstPerClient": 10000 } },
          "ReverseProxy": {
            "Routes": { "b": { "Match": { "Path": "/b/{id}/events" }, "Metadata": { "Push.Subject": "b.{id}", "Push.Heartbeat": "00:00:01" } } },
            "Clusters": {}
          }
        }
        """;

    [Fact]
    public async Task BurstBeyondServerMaxPending_GatewayIsNotCutAsSlowConsumer_EveryClientGetsEveryEvent()
    {
        var binary = NatsServerLocator.FindBinary() ?? throw new InvalidOperationException("This test needs the nats-server binary.");
        using var dir = TempDirectory.Create("burst");
        var conf = System.IO.Path.Combine(dir.Path, "limits.conf");
        await File.WriteAllTextAsync(conf, "max_pending: 4MB\nmax_payload: 128KB\n");
        await using var nats = await NatsServerProcess.LaunchAsync(binary, ["-c", conf], CancellationToken.None);
        await using var gateway = await GatewayInstance.StartAsync(new GatewayLaunchOptions
        {
            ConfigJson = Config,
            BrokerUrl = nats.Url,
            Output = output,

            // A small replay ring, so clients that resume from before the burst read it from the stream's history.
            ExtraArgs = ["--Gateway:Broker:Storage=Memory", "--Gateway:Broker:PullBytes=262144", "--Gateway:Broker:ReplayBufferBytes=1048576"],
        });
        await Eventually.TrueAsync(async () => (await gateway.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, Timeout, "ready");

        using var stop = new CancellationTokenSource();
        var cursors = new string[Subjects];
        var followers = new List<NumberedFollower>();
        for (var s = 0; s < Subjects; s++)
        {
            cursors[s] = await MatrixGateways.NegotiateCursorAsync(gateway, $"/b/s{s}/events");
            followers.Add(NumberedFollower.Start(Transports[s % Transports.Length], gateway.PublicUrl, $"/b/s{s}/events", cursors[s], stop.Token));
        }

        await Eventually.TrueAsync(async () => await Metric(gateway, "gateway_broker_subscriptions") >= Subjects, Timeout, "every subject has its feed");

        await using (var connection = new NatsConnection(new NatsOpts { Url = nats.Url }))
        {
            var js = new NatsJSContext(connection);
            var pad = new string('x', PayloadBytes - 32);
            await Parallel.ForEachAsync(
                Enumerable.Range(0, Subjects),
                new ParallelOptions { MaxDegreeOfParallelism = Subjects },
                async (s, ct) =>
                {
                    var pending = new List<Task>();
                    for (var n = 0; n < EventsPerSubject; n++)
                    {
                        var payload = System.Text.Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{{\"n\":{n},\"p\":\"{pad}\"}}"));
                        pending.Add(js.PublishAsync($"b.s{s}", payload, cancellationToken: ct).AsTask());
                    }

                    await Task.WhenAll(pending);
                });
        }

        // Clients that come back after the burst with the cursor they held before it: their backlog is read from the stream.
        for (var s = 0; s < Subjects; s++)
        {
            followers.Add(NumberedFollower.Start(Transports[(s + 1) % Transports.Length], gateway.PublicUrl, $"/b/s{s}/events", cursors[s], stop.Token));
        }

        await Eventually.TrueAsync(
            () => followers.All(f => f.HasAll(EventsPerSubject)),
            Timeout,
            $"every client gets every event; server: {string.Join(" | ", nats.ProblemLines().TakeLast(3))}; {string.Join("; ", followers)}");
        await stop.CancelAsync();
        await Task.WhenAll(followers.Select(f => f.Completion)).WaitAsync(Timeout);

        Assert.DoesNotContain(nats.ProblemLines(), l => l.Contains("Slow Consumer", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(1, await Metric(gateway, "gateway_broker_connects_total"));
        Assert.All(followers, f => Assert.Equal(0, f.Resets));
    }

    private static async Task<double> Metric(GatewayInstance gateway, string name)
    {
        var text = await gateway.ManagementClient.GetStringAsync("/metrics");
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        return line is null ? -1 : double.Parse(line[(name.Length + 1)..], CultureInfo.InvariantCulture);
    }
}
