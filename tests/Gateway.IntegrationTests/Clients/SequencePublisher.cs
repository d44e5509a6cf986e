using System.Globalization;
using System.Text;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Gateway.IntegrationTests.Clients;

/// <summary>
/// Publishes a numbered sequence (<c>{"n":1}</c>, <c>{"n":2}</c> ...) to one subject through JetStream, each publish
/// acknowledged by the stream, so "published" means stored. Works while no gateway runs, as a backend publisher would.
/// </summary>
internal sealed class SequencePublisher : IAsyncDisposable
{
    public const string EventType = "tick";

    private readonly NatsJSContext js;
    private readonly string subject;
    private readonly SemaphoreSlim publishLock = new(1, 1);
    private CancellationTokenSource? running;
    private Task loop = Task.CompletedTask;
    private int published;

    public SequencePublisher(INatsConnection connection, string subject)
    {
        js = new NatsJSContext(connection);
        this.subject = subject;
    }

    /// <summary>The number of the last event the stream acknowledged.</summary>
    public int Published => Volatile.Read(ref published);

    /// <summary>Publishes the next <paramref name="count"/> numbers.</summary>
    public async Task PublishAsync(int count, CancellationToken cancellationToken)
    {
        for (var i = 0; i < count; i++)
        {
            await PublishNextAsync(cancellationToken);
        }
    }

    /// <summary>Publishes the next number every <paramref name="interval"/> until <see cref="StopAsync"/>.</summary>
    public void Start(TimeSpan interval)
    {
        running = new CancellationTokenSource();
        var token = running.Token;
        loop = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(interval);
            while (await timer.WaitForNextTickAsync(token))
            {
                // Not cancelled by StopAsync: a publish cut off after the stream stored it would go uncounted.
                await PublishNextAsync(CancellationToken.None);
            }
        }, token);
    }

    /// <summary>Stops the background publishing; returns the number of the last event published.</summary>
    public async Task<int> StopAsync()
    {
        if (running is null)
        {
            return Published;
        }

        await running.CancelAsync();
        try
        {
            await loop.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (OperationCanceledException)
        {
        }

        running.Dispose();
        running = null;
        return Published;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        publishLock.Dispose();
    }

    private async Task PublishNextAsync(CancellationToken cancellationToken)
    {
        await publishLock.WaitAsync(cancellationToken);
        try
        {
            var next = Published + 1;
            var data = Encoding.UTF8.GetBytes($"{{\"n\":{next.ToString(CultureInfo.InvariantCulture)}}}");
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            var ack = await js.PublishAsync(subject, data, headers: new NatsHeaders { ["Gw-Event"] = EventType }, cancellationToken: timeout.Token);
            ack.EnsureSuccess();
            Volatile.Write(ref published, next);
        }
        finally
        {
            publishLock.Release();
        }
    }
}
