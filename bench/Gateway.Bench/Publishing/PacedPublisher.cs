using System.Diagnostics;
using Gateway.Bench.Subscribers;

namespace Gateway.Bench.Publishing;

/// <summary>
/// The benchmark's publisher over any path: <paramref name="send"/> publishes one payload (in order, one at a time),
/// <paramref name="confirm"/> waits until the server has processed everything sent (a NATS ping; nothing for HTTP, whose
/// answer already says so). Same schedule as <see cref="EventPublisher"/>: absolute, no spinning.
/// </summary>
internal sealed class PacedPublisher(Func<string, byte[], CancellationToken, ValueTask> send, Func<CancellationToken, Task> confirm) : IEventPublisher
{
    private static readonly long OneMillisecond = Stopwatch.Frequency / 1000;

    public async Task<PublishResult> PublishAsync(string subject, int run, int events, int? rate, int payloadBytes, CancellationToken cancellationToken)
    {
        var interval = rate is { } r ? (double)Stopwatch.Frequency / r : 0;
        long first = 0;
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < events; i++)
        {
            if (interval > 0)
            {
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

            await send(subject, EventPayload.Create(run, i, now, payloadBytes), cancellationToken);
        }

        var last = Stopwatch.GetTimestamp();
        await confirm(cancellationToken);
        return new PublishResult(events, first, last, events);
    }
}
