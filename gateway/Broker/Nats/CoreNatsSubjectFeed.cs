using System.Runtime.CompilerServices;
using System.Threading.Channels;
using NATS.Client.Core;

namespace Gateway.Broker.Nats;

/// <summary>
/// One core-NATS subscription. Sequences are assigned here; a disconnect may have lost messages, so it opens a new
/// epoch and the sessions on it are told to reset.
/// </summary>
internal sealed class CoreNatsSubjectFeed : ISubjectFeed
{
    private readonly NatsConnectionProvider _provider;
    private readonly string _subject;
    private readonly TimeProvider _time;
    private readonly Channel<FeedItem> _channel;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private INatsSub<ReadOnlyMemory<byte>>? _sub;
    private Task _pump = Task.CompletedTask;
    private ulong _sequence;
    private bool _gapPending;

    public CoreNatsSubjectFeed(NatsConnectionProvider provider, string subject, TimeProvider time, int capacity)
    {
        _provider = provider;
        _subject = subject;
        _time = time;
        Epoch = NewEpoch();

        // Bounded by the replay buffer: the reader is the topic pump, which never waits on a client.
        _channel = Channel.CreateBounded<FeedItem>(new BoundedChannelOptions(Math.Max(capacity, 1024)) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    }

    public string Epoch { get; private set; }

    public ulong StartSequence => 0;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_provider.IsConnected)
        {
            throw new BrokerUnavailableException("NATS is not connected.");
        }

        _sub = await _provider.Connection.SubscribeCoreAsync<ReadOnlyMemory<byte>>(_subject, cancellationToken: cancellationToken);
        _provider.Disconnected += OnDisconnected;
        _pump = PumpAsync(_sub, _stop.Token);
    }

    public async IAsyncEnumerable<FeedItem> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in _channel.Reader.ReadAllAsync(cancellationToken))
        {
            yield return item;
        }
    }

    // Core NATS keeps nothing: whatever the topic's replay buffer no longer holds is gone.
    public ValueTask<IReadOnlyList<BrokerEvent>?> ReadHistoryAsync(ulong afterSequence, ulong throughSequence, int max, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<BrokerEvent>?>(afterSequence >= throughSequence ? [] : null);

    public async ValueTask DisposeAsync()
    {
        _provider.Disconnected -= OnDisconnected;
        await _stop.CancelAsync();
        if (_sub is not null)
        {
            try
            {
                await _sub.UnsubscribeAsync();
            }
            catch (Exception ex) when (ex is NatsException or ObjectDisposedException or OperationCanceledException)
            {
                // The connection is gone; the server drops the subscription with it.
            }
        }

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

    private static string NewEpoch() => "n" + Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.NextInt64()))[..12];

    // A disconnect may have lost messages: open a new epoch at once so every session on it is told to reset.
    private void OnDisconnected()
    {
        lock (_lock)
        {
            Epoch = NewEpoch();
            _sequence = 0;

            // Never lost: if the channel is full now, the pump writes the gap before its next event.
            _gapPending = !_channel.Writer.TryWrite(new FeedGap(Epoch, 0));
        }
    }

    private async Task PumpAsync(INatsSub<ReadOnlyMemory<byte>> sub, CancellationToken cancellationToken)
    {
        await foreach (var msg in sub.Msgs.ReadAllAsync(cancellationToken))
        {
            while (true)
            {
                lock (_lock)
                {
                    if (_gapPending)
                    {
                        _gapPending = !_channel.Writer.TryWrite(new FeedGap(Epoch, 0));
                        if (_gapPending)
                        {
                            goto wait;
                        }
                    }

                    var now = _time.GetUtcNow();
                    var e = new BrokerEvent(_sequence + 1, msg.Subject, NatsHeadersReader.EventType(msg.Headers), msg.Data.ToArray(), NatsHeadersReader.PublishedAt(msg.Headers) ?? now, NatsHeadersReader.TraceParent(msg.Headers));
                    if (_channel.Writer.TryWrite(new FeedEvent(e)))
                    {
                        _sequence++;
                        break;
                    }
                }

            wait:
                await _channel.Writer.WaitToWriteAsync(cancellationToken);
            }
        }
    }
}
