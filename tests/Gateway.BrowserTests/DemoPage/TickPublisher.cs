using System.Globalization;
using System.Text;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Gateway.BrowserTests;

/// <summary>
/// Publishes price ticks for one ticker (<c>{"n":1,"price":…,"change":…}</c>, event type <c>tick</c>) the way backends
/// do: through the gateway's HTTP publish endpoint on its management port, or straight to JetStream when no gateway
/// runs. Numbers count up from 1; a publish counts once the broker accepted it.
/// </summary>
internal sealed class TickPublisher : IAsyncDisposable
{
    public const string EventType = "tick";

    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(10);

    private readonly SemaphoreSlim publishLock = new(1, 1);
    private CancellationTokenSource? running;
    private Task loop = Task.CompletedTask;
    private int published;

    public TickPublisher(string ticker)
    {
        Ticker = ticker;
        Subject = $"prices.{ticker}";
    }

    public string Ticker { get; }

    /// <summary>A ticker no other test uses (the nats-server and its stream are shared), upper case as the demo page makes it.</summary>
    public static string NewTicker() => "T" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();

    public string Subject { get; }

    /// <summary>The number of the last tick the broker accepted.</summary>
    public int Published => Volatile.Read(ref published);

    /// <summary>The price tick <paramref name="n"/> carries: a deterministic wobble around 190, so the sparkline moves.</summary>
    public static double PriceOf(int n) => Math.Round(190 + (6 * Math.Sin(n / 4.0)) + (2.5 * Math.Sin(n / 1.7)) + (n * 0.05), 2);

    /// <summary>Publishes the next <paramref name="count"/> ticks through the management endpoint, one after another.</summary>
    public async Task PublishAsync(HttpClient management, int count, CancellationToken cancellationToken)
    {
        for (var i = 0; i < count; i++)
        {
            await PublishNextAsync(management, cancellationToken);
        }
    }

    /// <summary>Publishes the next <paramref name="count"/> ticks to JetStream directly, each acknowledged by the stream.</summary>
    public async Task PublishThroughNatsAsync(INatsConnection connection, int count, CancellationToken cancellationToken)
    {
        var js = new NatsJSContext(connection);
        for (var i = 0; i < count; i++)
        {
            await LockedAsync(async (n, data, ct) =>
            {
                var ack = await js.PublishAsync(Subject, data, headers: new NatsHeaders { ["Gw-Event"] = EventType }, cancellationToken: ct);
                ack.EnsureSuccess();
            }, cancellationToken);
        }
    }

    /// <summary>Publishes a tick every <paramref name="interval"/> through the management endpoint until <see cref="StopAsync"/>.</summary>
    public void Start(HttpClient management, TimeSpan interval)
    {
        running = new CancellationTokenSource();
        var token = running.Token;
        loop = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(interval);
            while (await timer.WaitForNextTickAsync(token))
            {
                // Stopping cancels the wait, never a publish in flight: the gateway may have stored one whose answer
                // was cut off, and then the count would be one short of the stream.
                await PublishNextAsync(management, CancellationToken.None);
            }
        }, token);
    }

    /// <summary>
    /// Stops the background publishing after the publish in flight (an error in it is thrown here); returns the number
    /// of the last tick published.
    /// </summary>
    public async Task<int> StopAsync()
    {
        if (running is null)
        {
            return Published;
        }

        await running.CancelAsync();
        try
        {
            await loop.WaitAsync(PublishTimeout * 2);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            running.Dispose();
            running = null;
        }

        return Published;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (Exception)
        {
            // A failing publisher has already failed the test through StopAsync, or the test failed before that.
        }

        publishLock.Dispose();
    }

    private Task PublishNextAsync(HttpClient management, CancellationToken cancellationToken) =>
        LockedAsync(async (n, data, ct) =>
        {
            using var content = new ByteArrayContent(data);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            using var request = new HttpRequestMessage(HttpMethod.Post, $"publish/{Subject}") { Content = content };
            request.Headers.Add("Gw-Event", EventType);
            using var response = await management.SendAsync(request, ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new HttpRequestException(
                    $"Publishing tick {n} to {Subject} failed: HTTP {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
            }
        }, cancellationToken);

    private async Task LockedAsync(Func<int, byte[], CancellationToken, Task> publish, CancellationToken cancellationToken)
    {
        await publishLock.WaitAsync(cancellationToken);
        try
        {
            var n = Published + 1;
            var change = PriceOf(n) - PriceOf(n - 1);
            var json = string.Create(
                CultureInfo.InvariantCulture, $"{{\"n\":{n},\"ticker\":\"{Ticker}\",\"price\":{PriceOf(n):0.00},\"change\":{change:0.00}}}");
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(PublishTimeout);
            await publish(n, Encoding.UTF8.GetBytes(json), timeout.Token);
            Volatile.Write(ref published, n);
        }
        finally
        {
            publishLock.Release();
        }
    }
}
