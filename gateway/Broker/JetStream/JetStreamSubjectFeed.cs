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
    // Small: the consumer's pulls bound what is in flight, and the topic's pump only appends to its ring.
    private readonly Channel<FeedItem> _channel = Channel.CreateBounded<FeedItem>(new BoundedChannelOptions(64) { SingleReader = true, SingleWriter = true });
    private readonly int _pullBytes;
    private readonly CancellationTokenSource _stop = new();
    private Task _pump = Task.CompletedTask;
    private ulong _last;

    /// <summary>How often an idle consumer hears from its server; two missed in a row mean the consumer is gone.</summary>
    internal static readonly TimeSpan IdleHeartbeat = TimeSpan.FromSeconds(5);

    private readonly Nats.NatsConnectionProvider _provider;
    private CancellationTokenSource? _consume;

    private readonly Action _streamMissing;

    /// <param name="startSequence">The subject's newest event (or the stream's head when it has none): a client without a
    /// cursor starts there, and everything of the subject after it is "new".</param>
    /// <param name="streamMissing">Told when the stream is not found, so the broker makes it again.</param>
    public JetStreamSubjectFeed(NatsJSContext js, Nats.NatsConnectionProvider provider, StreamInfo info, string subject, ulong startSequence, int pullBytes, Action streamMissing, ILogger logger)
    {
        _pullBytes = pullBytes;
        _streamMissing = streamMissing;
        _js = js;
        _provider = provider;
        _stream = info.Config.Name!;
        _subject = subject;
        _logger = logger;
        _epoch = JetStreamEpoch.Of(info);

        StartSequence = startSequence;
        _last = StartSequence;
    }

    private volatile string _epoch;

    public string Epoch => _epoch;

    public ulong StartSequence { get; }

    public void Start()
    {
        _provider.Reconnected += OnReconnected;
        _pump = PumpAsync(_stop.Token);
    }

    // After an outage the server may have restarted and forgotten our consumer: start a new one from the last sequence.
    private void OnReconnected()
    {
        try
        {
            Volatile.Read(ref _consume)?.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public async IAsyncEnumerable<FeedItem> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in _channel.Reader.ReadAllAsync(cancellationToken))
        {
            yield return item;
        }
    }

    public async ValueTask<IReadOnlyList<BrokerEvent>?> ReadHistoryAsync(ulong afterSequence, ulong throughSequence, int max, CancellationToken cancellationToken)
    {
        var stream = await _js.GetStreamAsync(_stream, new StreamInfoRequest { SubjectsFilter = _subject }, cancellationToken);
        var info = stream.Info;
        if (JetStreamEpoch.Of(info) != Epoch || afterSequence > info.State.LastSeq || afterSequence + 1 < info.State.FirstSeq
            || await SubjectHistoryCutAsync(stream, afterSequence, cancellationToken))
        {
            // Recreated stream, a cursor from the future, or history trimmed past the cursor: it cannot be served.
            return null;
        }

        var result = new List<BrokerEvent>();
        if (afterSequence >= throughSequence)
        {
            return result;
        }

        var consumer = await CreateConsumerAsync(afterSequence + 1, cancellationToken);
        try
        {
            // The server counts what matches the filter from the start sequence on, so "nothing came back" is never
            // mistaken for "nothing there": a short read is an error (the client retries), not a silent skip.
            var pending = consumer.Info.NumPending;
            var done = pending == 0;
            while (!done && result.Count < max)
            {
                var got = 0;
                // Bounded in bytes, not messages: 256 events of 64 KiB asked at once would sit on the connection as 16 MiB
                // (docs/scale-out.md "Bursts"). No-wait: the server answers with what it has instead of holding the pull.
                var page = new NatsJSFetchOpts { MaxBytes = _pullBytes, Expires = TimeSpan.FromSeconds(2) };
                await foreach (var msg in consumer.FetchNoWaitAsync<ReadOnlyMemory<byte>>(page, cancellationToken: cancellationToken))
                {
                    if (done || result.Count >= max)
                    {
                        // Already sent by the server within the pull's bytes: read past, so the fetch ends cleanly.
                        continue;
                    }

                    got++;
                    var seq = msg.Metadata?.Sequence.Stream ?? 0;
                    if (seq > throughSequence)
                    {
                        done = true;
                        continue;
                    }

                    result.Add(ToEvent(msg, seq));
                    done = seq == throughSequence || (ulong)result.Count >= pending;
                }

                if (got == 0)
                {
                    throw new BrokerUnavailableException($"JetStream returned no history for {_subject} after sequence {afterSequence} though {pending} messages are pending.");
                }
            }
        }
        finally
        {
            await DeleteConsumerAsync(consumer);
        }

        return result;
    }

    /// <summary>
    /// Whether events of this subject after <paramref name="afterSequence"/> may have been removed without the stream's
    /// first sequence moving: a purge of the subject, or its own per-subject limit. Both remove a subject's oldest events
    /// first, so a subject that still holds an event at or just after the cursor lost nothing after it. Otherwise the
    /// cursor's own event is gone (removed, and what followed it may be too), or the cursor is a position in another
    /// subject's events (a client that started while this subject held nothing), where only the subject's own limit can
    /// have removed anything (docs/decisions.md "Cursors and epochs").
    /// </summary>
    private async ValueTask<bool> SubjectHistoryCutAsync(INatsJSStream stream, ulong afterSequence, CancellationToken cancellationToken)
    {
        var first = await GetSequenceAsync(stream, new StreamMsgGetRequest { Seq = 1, NextBySubj = _subject }, cancellationToken);
        if (first is { } f && f.Sequence <= afterSequence + 1)
        {
            return false;
        }

        var atCursor = afterSequence == 0 ? null : await GetSequenceAsync(stream, new StreamMsgGetRequest { Seq = afterSequence }, cancellationToken);
        if (afterSequence != 0 && atCursor is null)
        {
            return true;
        }

        long retained = 0;
        if (stream.Info.State.Subjects is { } counts && counts.TryGetValue(_subject, out var count))
        {
            retained = count;
        }

        var limit = stream.Info.Config.MaxMsgsPerSubject;
        return limit > 0 && retained >= limit;
    }

    /// <summary>The sequence and subject of the message <paramref name="request"/> names, or null when there is none.</summary>
    private static async ValueTask<(ulong Sequence, string Subject)?> GetSequenceAsync(INatsJSStream stream, StreamMsgGetRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var found = await stream.GetAsync(request, cancellationToken);
            return (found.Message.Seq, found.Message.Subject);
        }
        catch (NatsJSApiException ex) when (ex.Error.Code == 404)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _provider.Reconnected -= OnReconnected;
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
        new(seq, msg.Subject, Nats.NatsHeadersReader.EventType(msg.Headers), msg.Data.ToArray(), msg.Metadata?.Timestamp ?? DateTimeOffset.UtcNow, Nats.NatsHeadersReader.TraceParent(msg.Headers));

    /// <summary>
    /// An ephemeral, unacknowledged pull consumer filtered on the one subject. Not NATS.Net's ordered consumer: that sends
    /// <c>filter_subjects</c>, which nats-server 2.9 ignores (the consumer would then deliver the whole stream);
    /// <c>filter_subject</c> works on 2.9 and later. Ordering is checked here by the consumer sequence instead.
    /// </summary>
    private Task<INatsJSConsumer> CreateConsumerAsync(ulong startSequence, CancellationToken cancellationToken) =>
        _js.CreateConsumerAsync(
            _stream,
            new ConsumerConfig
            {
                // A fresh name each time: creating with a known name would update that consumer instead.
                Name = "gw_" + Guid.NewGuid().ToString("N"),
                FilterSubject = _subject,
                DeliverPolicy = ConsumerConfigDeliverPolicy.ByStartSequence,
                OptStartSeq = startSequence,
                AckPolicy = ConsumerConfigAckPolicy.None,
                InactiveThreshold = TimeSpan.FromSeconds(30),
                MemStorage = true,
                NumReplicas = 1,
            },
            cancellationToken).AsTask();

    private async Task DeleteConsumerAsync(INatsJSConsumer consumer)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _js.DeleteConsumerAsync(_stream, consumer.Info.Name, timeout.Token);
        }
        catch (Exception ex) when (ex is NatsException or NatsJSException or OperationCanceledException or TimeoutException)
        {
            // The inactive threshold removes it anyway.
        }
    }

    private async Task PumpAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            INatsJSConsumer? consumer = null;
            using var consume = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            Volatile.Write(ref _consume, consume);
            try
            {
                // A stream deleted and recreated (or a broker back with an empty store) restarts its sequences: tell the
                // topic (a new epoch, so sessions reset) and read the new stream from its start.
                var info = (await _js.GetStreamAsync(_stream, cancellationToken: consume.Token)).Info;
                if (JetStreamEpoch.Of(info) != _epoch || info.State.LastSeq < _last)
                {
                    _epoch = JetStreamEpoch.Of(info);
                    _last = 0;
                    await _channel.Writer.WriteAsync(new FeedGap(_epoch, 0), cancellationToken);
                }

                consumer = await CreateConsumerAsync(_last + 1, consume.Token);
                ulong expected = 1;
                // Pulls bounded in bytes (docs/scale-out.md "Bursts"): the server never queues more than this per subject on
                // the connection, so a burst waits in the stream instead of getting the connection cut as a slow consumer.
                var opts = new NatsJSConsumeOpts
                {
                    MaxBytes = _pullBytes,
                    IdleHeartbeat = IdleHeartbeat,
                    Expires = TimeSpan.FromSeconds(30),
                    NotificationHandler = (notification, _) => OnNotification(notification, consume),
                };
                await foreach (var msg in consumer.ConsumeAsync<ReadOnlyMemory<byte>>(opts: opts, cancellationToken: consume.Token))
                {
                    var metadata = msg.Metadata;
                    if (metadata is null || metadata.Value.Sequence.Consumer != expected)
                    {
                        // A message went missing between server and here: start over from the last one delivered.
                        throw new InvalidOperationException($"consumer sequence {metadata?.Sequence.Consumer} where {expected} was due");
                    }

                    expected++;
                    var seq = metadata.Value.Sequence.Stream;
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
                break;
            }
            catch (OperationCanceledException)
            {
                // Reconnected, or the consumer was lost: loop round and recreate it from the last sequence delivered.
                Volatile.Write(ref _consume, null);
                continue;
            }
            catch (Exception ex)
            {
                // The broker went away or the consumer was lost: start again from the last sequence delivered. A stream that
                // is gone is made again by the broker, with a new epoch that the next round reports as a gap.
                if (ex is NatsJSApiException api && JetStreamBroker.IsStreamNotFound(api))
                {
                    _streamMissing();
                }

                Log.FeedRestarting(_logger, _subject, _last, ex.Message);
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            finally
            {
                if (consumer is not null)
                {
                    await DeleteConsumerAsync(consumer);
                }
            }
        }
    }

    /// <summary>
    /// The consumer is a single replica on one server: when that server dies (or a leader election loses it) the pulls go
    /// nowhere and nothing says so except the missing idle heartbeats. Silence is not "no events": give the consumer up
    /// and make a new one from the last sequence delivered, as NATS's own ordered consumers do (docs/scale-out.md).
    /// </summary>
    private Task OnNotification(INatsJSNotification notification, CancellationTokenSource consume)
    {
        var lost = notification switch
        {
            NatsJSTimeoutNotification or NatsJSNoRespondersNotification => true,
            NatsJSProtocolNotification p => p.HeaderCode is 404 or 409 || p.HeaderMessageText.Contains("Deleted", StringComparison.OrdinalIgnoreCase),
            _ => false,
        };
        if (lost)
        {
            Log.ConsumerLost(_logger, _subject, _last, notification.Name);
            try
            {
                consume.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }

        return Task.CompletedTask;
    }

    private static partial class Log
    {
        [LoggerMessage(1111, LogLevel.Warning, "JetStream consumer for {Subject} lost ({Notification}); recreating it after sequence {Sequence}")]
        public static partial void ConsumerLost(ILogger logger, string subject, ulong sequence, string notification);

        [LoggerMessage(1110, LogLevel.Warning, "JetStream feed for {Subject} restarting after sequence {Sequence}: {Reason}")]
        public static partial void FeedRestarting(ILogger logger, string subject, ulong sequence, string reason);
    }
}
