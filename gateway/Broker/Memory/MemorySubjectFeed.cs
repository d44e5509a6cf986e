using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Gateway.Broker.Memory;

internal sealed class MemorySubjectFeed : ISubjectFeed
{
    private readonly MemorySubjectLog _log;
    private readonly Channel<FeedItem> _channel = Channel.CreateUnbounded<FeedItem>(new UnboundedChannelOptions { SingleReader = true });

    public MemorySubjectFeed(MemorySubjectLog log, string epoch)
    {
        _log = log;
        Epoch = epoch;
        StartSequence = log.Attach(_channel.Writer);
    }

    public string Epoch { get; }

    public ulong StartSequence { get; }

    public async IAsyncEnumerable<FeedItem> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in _channel.Reader.ReadAllAsync(cancellationToken))
        {
            yield return item;
        }
    }

    public ValueTask<IReadOnlyList<BrokerEvent>?> ReadHistoryAsync(ulong afterSequence, ulong throughSequence, int max, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_log.Read(afterSequence, throughSequence, max));

    public ValueTask DisposeAsync()
    {
        _log.Detach(_channel.Writer);
        _channel.Writer.TryComplete();
        return ValueTask.CompletedTask;
    }
}
