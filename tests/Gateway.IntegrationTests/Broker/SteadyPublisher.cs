using System.Text;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Gateway.IntegrationTests.Broker;

/// <summary>
/// Publishes <c>{"n":0}</c>, <c>{"n":1}</c>, ... to one subject through JetStream at a steady pace, each until it is
/// acknowledged. A retried publish carries the same <c>Nats-Msg-Id</c>, so JetStream stores it once even when only the
/// acknowledgement was lost: every number is in the stream exactly once, which is what the clients are checked against.
/// </summary>
internal sealed class SteadyPublisher : IAsyncDisposable
{
    private static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(50);

    private readonly NatsConnection connection;
    private readonly CancellationTokenSource stop = new();
    private readonly string runId = Guid.NewGuid().ToString("N")[..8];
    private int published;
    private Task loop = Task.CompletedTask;

    private SteadyPublisher(string urls) => connection = new NatsConnection(new NatsOpts
    {
        Url = urls,
        Name = "steady-publisher",
        RequestTimeout = TimeSpan.FromSeconds(2),
        PingInterval = TimeSpan.FromSeconds(1),
        MaxPingOut = 2,
        ReconnectWaitMin = TimeSpan.FromMilliseconds(100),
        ReconnectWaitMax = TimeSpan.FromMilliseconds(500),
    });

    /// <summary>How many numbers were acknowledged so far (0 .. Published-1).</summary>
    public int Published => Volatile.Read(ref published);

    /// <summary>Why the last publish attempt failed, for failure messages.</summary>
    public string? LastError { get; private set; }

    /// <summary>Every acknowledged payload so far.</summary>
    public IEnumerable<string> Payloads => Enumerable.Range(0, Published).Select(Payload);

    public static string Payload(int n) => $"{{\"n\":{n}}}";

    public static SteadyPublisher Start(string urls, string subject)
    {
        var publisher = new SteadyPublisher(urls);
        publisher.loop = Task.Run(() => publisher.RunAsync(subject), CancellationToken.None);
        return publisher;
    }

    /// <summary>Stops after the publish in flight is acknowledged.</summary>
    public async Task StopAsync()
    {
        await stop.CancelAsync();
        await loop.WaitAsync(TimeSpan.FromSeconds(30));
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        try
        {
            await loop.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
        }

        await connection.DisposeAsync();
        stop.Dispose();
    }

    private async Task RunAsync(string subject)
    {
        var js = new NatsJSContext(connection);
        using var ticker = new PeriodicTimer(Pace);
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            var data = Encoding.UTF8.GetBytes(Payload(n));
            var opts = new NatsJSPubOpts { MsgId = $"{runId}-{n}" };
            while (true)
            {
                try
                {
                    // Bounded: a publish issued while the connection is down would otherwise wait for it indefinitely.
                    using var attempt = new CancellationTokenSource(TimeSpan.FromSeconds(3));
                    var ack = await js.PublishAsync(subject, data, headers: new NatsHeaders { ["Gw-Event"] = "tick" }, opts: opts, cancellationToken: attempt.Token);
                    if (!ack.Duplicate)
                    {
                        // A duplicate is a success: an earlier attempt was stored and only its acknowledgement was lost.
                        ack.EnsureSuccess();
                    }

                    break;
                }
                catch (Exception ex) when (ex is NatsException or TimeoutException or OperationCanceledException)
                {
                    LastError = ex.GetType().Name + ": " + ex.Message;
                    // A node or the stream leader is away: publish the same number again (same message id) until it lands.
                    await Task.Delay(100);
                }
            }

            Interlocked.Increment(ref published);
            try
            {
                await ticker.WaitForNextTickAsync(stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }
}
