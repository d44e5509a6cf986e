using System.Diagnostics;
using Gateway.Bench.Subscribers;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Gateway.Bench.Publishing;

/// <summary>
/// Publishes the benchmark's events on a connection of its own. A plain NATS publish on one connection keeps publish
/// order; the subject is captured by the gateway's JetStream stream, so the events are stored (and counted here)
/// exactly as a backend's would be. Both delivery paths get the very same publishes.
/// </summary>
internal sealed class EventPublisher : IEventPublisher, IAsyncDisposable
{
    private static readonly long OneMillisecond = Stopwatch.Frequency / 1000;

    private readonly NatsConnection _nats;
    private readonly NatsJSContext _js;

    private EventPublisher(NatsConnection nats)
    {
        _nats = nats;
        _js = new NatsJSContext(nats);
    }

    public static async Task<EventPublisher> ConnectAsync(string url)
    {
        var nats = new NatsConnection(new NatsOpts { Url = url, Name = "bench-publisher" });
        await nats.ConnectAsync();
        return new EventPublisher(nats);
    }

    /// <summary>
    /// Publishes <paramref name="events"/> events of run <paramref name="run"/>, at <paramref name="rate"/> per second
    /// (null: as fast as the connection takes them), and waits until nats-server has processed them all.
    /// </summary>
    public Task<PublishResult> PublishAsync(string subject, int run, int events, int? rate, int payloadBytes, CancellationToken cancellationToken) =>
        PublishAsync(subject, run, events, rate, payloadBytes, CancellationToken.None, cancellationToken);

    /// <summary>
    /// As above, but <paramref name="stop"/> ends the publishing early (not an error): <see cref="PublishResult.Published"/>
    /// says how many went out. For scenarios whose length depends on what they observe (the drain).
    /// </summary>
    public async Task<PublishResult> PublishAsync(string subject, int run, int events, int? rate, int payloadBytes, CancellationToken stop, CancellationToken cancellationToken)
    {
        var storedBefore = await StreamLastSequenceAsync(subject, cancellationToken);
        var interval = rate is { } r ? (double)Stopwatch.Frequency / r : 0;
        long first = 0;
        var start = Stopwatch.GetTimestamp();
        var published = 0;
        for (var i = 0; i < events && !stop.IsCancellationRequested; i++)
        {
            if (interval > 0)
            {
                // Absolute schedule: a late publish is followed by earlier ones, so the average rate holds; no spinning,
                // the two cores are shared with what is being measured.
                var due = start + (long)(i * interval);
                while (Stopwatch.GetTimestamp() < due - (OneMillisecond / 4))
                {
                    await Task.Delay(1, cancellationToken);
                }
            }

            var now = Stopwatch.GetTimestamp();
            if (i == 0)
            {
                first = now;
            }

            if (stop.IsCancellationRequested)
            {
                break;
            }

            await _nats.PublishAsync(subject, EventPayload.Create(run, i, now, payloadBytes), cancellationToken: cancellationToken);
            published++;
        }

        var last = Stopwatch.GetTimestamp();
        await _nats.PingAsync(cancellationToken);
        var stored = await StreamLastSequenceAsync(subject, cancellationToken) - storedBefore;
        return new PublishResult(published, first, last, (long)stored);
    }

    public ValueTask DisposeAsync() => _nats.DisposeAsync();

    private async Task<ulong> StreamLastSequenceAsync(string subject, CancellationToken cancellationToken)
    {
        await foreach (var name in _js.ListStreamNamesAsync(subject, cancellationToken))
        {
            var stream = await _js.GetStreamAsync(name, cancellationToken: cancellationToken);
            return stream.Info.State.LastSeq;
        }

        throw new InvalidOperationException($"No JetStream stream captures '{subject}'; the gateway creates it at start-up.");
    }
}
