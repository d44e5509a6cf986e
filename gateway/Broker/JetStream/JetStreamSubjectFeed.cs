using System.Runtime.CompilerServices;
using System.Threading.Channels;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Gateway.Broker.JetStream;

/// <summary>
/// One ordered, filtered consumer per subject per instance. It restarts itself after a broker outage from the last
/// sequence it saw, so nothing is lost while NATS is away.
/// </summary>
internal sealed partial class JetStreamSubjectFeed : ISubjectFeed
{
    private readonly NatsJSContext _js;
    private readonly string _stream;
    private readonly string _subject;
    private readonly ILogger _logger;
    private readonly Channel<FeedItem> _channel = Channel.CreateBounded<FeedItem>(new BoundedChannelOptions(1024) { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _stop = new();
    private Task _pump = Task.CompletedTask;
    private ulong _last;

    public JetStreamSubjectFeed(NatsJSContext js, StreamInfo info, string subject, ILogger logger)
    {
        _js = js;
        _stream = info.Config.Name!;
        _subject = subject;
        _logger = logger;
        Epoch = JetStreamEpoch.Of(info);

        // Position cursor: everything of this subject after the stream's last sequence now is "new".
        StartSequence = info.State.LastSeq;
        _last = StartSequence;
    }

    public string Epoch { get; }

    public ulong StartSequence { get; }

    public void Start() => _pump = PumpAsync(_stop.Token);

    public async IAsyncEnumerable<FeedItem> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in _channel.Reader.ReadAllAsync(cancellationToken))
        {
            yield return item;
        }
    }

    public async ValueTask<IReadOnlyList<BrokerEvent>?> ReadHistoryAsync(ulong afterSequence, ulong throughSequence, int max, CancellationToken cancellationToken)
    {
        var stream = await _js.GetStreamAsync(_stream, cancellationToken: cancellationToken);
        var info = stream.Info;
        if (JetStreamEpoch.Of(info) != Epoch || afterSequence > info.State.LastSeq || afterSequence + 1 < info.State.FirstSeq)
        {
            // Recreated stream, a cursor from the future, or history trimmed past the cursor: it cannot be served.
            return null;
        }

        var result = new List<BrokerEvent>();
        if (afterSequence >= throughSequence)
        {
            return result;
        }

        var consumer = await _js.CreateOrderedConsumerAsync(
            _stream,
            new NatsJSOrderedConsumerOpts
            {
                FilterSubjects = [_subject],
                DeliverPolicy = ConsumerConfigDeliverPolicy.ByStartSequence,
                OptStartSeq = afterSequence + 1,
            },
            cancellationToken);
        while (result.Count < max)
        {
            var got = 0;
            await foreach (var msg in consumer.FetchNoWaitAsync<ReadOnlyMemory<byte>>(new NatsJSFetchOpts { MaxMsgs = Math.Min(256, max - result.Count) }, cancellationToken: cancellationToken))
            {
                got++;
                var seq = msg.Metadata?.Sequence.Stream ?? 0;
                if (seq > throughSequence)
                {
                    return result;
                }

                result.Add(ToEvent(msg, seq));
            }

            if (got == 0)
            {
                break;
            }
        }

        return result;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _pump;
        }
        catch (OperationCanceledException)
        {
        }

        _channel.Writer.TryComplete();
        _stop.Dispose();
    }

    private static BrokerEvent ToEvent(INatsJSMsg<ReadOnlyMemory<byte>> msg, ulong seq) =>
        new(seq, msg.Subject, Nats.NatsHeadersReader.EventType(msg.Headers), msg.Data.ToArray(), msg.Metadata?.Timestamp ?? DateTimeOffset.UtcNow);

    private async Task PumpAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var consumer = await _js.CreateOrderedConsumerAsync(
                    _stream,
                    new NatsJSOrderedConsumerOpts
                    {
                        FilterSubjects = [_subject],
                        DeliverPolicy = ConsumerConfigDeliverPolicy.ByStartSequence,
                        OptStartSeq = _last + 1,
                    },
                    cancellationToken);
                await foreach (var msg in consumer.ConsumeAsync<ReadOnlyMemory<byte>>(cancellationToken: cancellationToken))
                {
                    var seq = msg.Metadata?.Sequence.Stream ?? 0;
                    if (seq <= _last)
                    {
                        continue;
                    }

                    await _channel.Writer.WriteAsync(new FeedEvent(ToEvent(msg, seq)), cancellationToken);
                    _last = seq;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The broker went away or the consumer was lost: start again from the last sequence delivered.
                Log.FeedRestarting(_logger, _subject, _last, ex.Message);
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1110, LogLevel.Warning, "JetStream feed for {Subject} restarting after sequence {Sequence}: {Reason}")]
        public static partial void FeedRestarting(ILogger logger, string subject, ulong sequence, string reason);
    }
}
