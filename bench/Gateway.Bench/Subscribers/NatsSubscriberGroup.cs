using System.Threading.Channels;
using NATS.Client.Core;

namespace Gateway.Bench.Subscribers;

/// <summary>
/// The baseline: the same N subscribers as plain core-NATS subscriptions straight from nats-server, spread over a few
/// connections (as N browsers would not share one socket either, but N sockets would be unfair to NATS's design).
/// Pending buffers are sized for a whole run and block rather than drop, so a loss here is a real loss.
/// </summary>
internal sealed class NatsSubscriberGroup(string url, string subject, int subscribers, int connections, int events) : ISubscriberGroup
{
    private readonly CancellationTokenSource _lifetime = new();
    private readonly List<NatsConnection> _connections = [];
    private readonly List<INatsSub<byte[]>> _subscriptions = [];
    private readonly List<Task> _loops = [];
    private readonly DeliveryLog[] _logs = [.. Enumerable.Range(0, subscribers).Select(_ => new DeliveryLog())];

    public string Path => "nats-direct";

    public IReadOnlyList<DeliveryLog> Logs => _logs;

    public SubscriberStats Stats { get; } = new();

    public IReadOnlyDictionary<string, int> StateCounts() =>
        new Dictionary<string, int>(StringComparer.Ordinal) { [nameof(SubscriberState.Receiving)] = _loops.Count(l => !l.IsCompleted) };

    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        var count = Math.Clamp(connections, 1, subscribers);
        for (var c = 0; c < count; c++)
        {
            var connection = new NatsConnection(new NatsOpts
            {
                Url = url,
                Name = $"bench-baseline-{c}",
                SubPendingChannelCapacity = events + 1024,
                SubPendingChannelFullMode = BoundedChannelFullMode.Wait,
            });
            _connections.Add(connection);
            await connection.ConnectAsync();
        }

        for (var i = 0; i < subscribers; i++)
        {
            var sub = await _connections[i % count].SubscribeCoreAsync<byte[]>(subject, cancellationToken: cancellationToken);
            _subscriptions.Add(sub);
            _loops.Add(ReadAsync(sub, _logs[i], _lifetime.Token));
        }

        // A PING answered after the SUBs means the server has registered them.
        foreach (var connection in _connections)
        {
            await connection.PingAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _lifetime.CancelAsync();
        foreach (var sub in _subscriptions)
        {
            await sub.DisposeAsync();
        }

        try
        {
            await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (OperationCanceledException)
        {
        }

        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }

        _lifetime.Dispose();
    }

    private static async Task ReadAsync(INatsSub<byte[]> sub, DeliveryLog log, CancellationToken cancellationToken)
    {
        await foreach (var msg in sub.Msgs.ReadAllAsync(cancellationToken))
        {
            if (msg.Data is { } data && EventPayload.TryParse(data, out var payload))
            {
                log.Record(payload);
            }
        }
    }
}
