using Gateway.Broker;
using Microsoft.Extensions.Options;

namespace Gateway.Sessions;

/// <summary>
/// One topic (one broker subscription) per subject per instance, shared by every session on it. Unused topics linger a
/// little so a reconnect storm or a crowd of pollers does not churn subscriptions.
/// </summary>
internal sealed class TopicRegistry(
    IEventBroker broker,
    IOptions<BrokerOptions> options,
    TimeProvider time,
    Observability.GatewayMetrics metrics,
    ILoggerFactory loggerFactory) : IAsyncDisposable
{
    private readonly Utilities.SharedTable<Entry> _table = new(time);
    private readonly ILogger _logger = loggerFactory.CreateLogger<Topic>();
    private readonly ReplayBudget _budget = new(options.Value.ReplayTotalBytes);

    /// <summary>Replay memory held by every topic of the instance.</summary>
    public ReplayBudget Budget => _budget;

    public int Count => _table.Count;

    /// <summary>Takes a reference on the subject's topic, opening the broker subscription if needed.</summary>
    public async ValueTask<Topic> AcquireAsync(string subject, CancellationToken cancellationToken)
    {
        var entry = _table.Acquire(subject, (Registry: this, Max: options.Value.MaxTopics), static (subject, others, state) =>
        {
            if (others >= state.Max)
            {
                // Every topic is a broker subscription and a buffer: their number is capped like sessions are.
                throw new BrokerUnavailableException($"This instance already follows {others} subjects (Gateway:Broker:MaxTopics).");
            }

            return new Entry(subject, state.Registry.OpenAsync(subject));
        }, static e => !e.IsFaulted);

        try
        {
            return await entry.Topic.WaitAsync(cancellationToken);
        }
        catch
        {
            _table.Release(entry, dropIfCurrent: entry.Topic.IsFaulted);
            throw;
        }
    }

    /// <summary>Takes a reference on the subject's topic only if it is open and healthy now; never opens one.</summary>
    public bool TryAcquireOpen(string subject, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Topic? topic)
    {
        if (_table.TryAcquire(subject, static e => e.Topic.IsCompletedSuccessfully && !e.IsFaulted, out var entry))
        {
            topic = entry.Topic.Result;
            return true;
        }

        topic = null;
        return false;
    }

    public void Release(Topic topic) =>
        _table.Release(topic.Subject, e => e.Topic.IsCompletedSuccessfully && e.Topic.Result == topic);

    /// <summary>Closes topics nobody used for the linger time, and failed ones nobody holds. Called by the sweep.</summary>
    public async Task SweepAsync()
    {
        var linger = options.Value.TopicLinger;
        var done = _table.Sweep(e => e.Topic.IsCompleted && (e.IsFaulted || time.GetElapsedTime(e.ReleasedAt) >= linger));
        metrics.BrokerSubscriptions.Set(_table.Count);
        foreach (var entry in done ?? [])
        {
            if (entry.Topic.IsCompletedSuccessfully)
            {
                await entry.Topic.Result.DisposeAsync();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var entry in _table.TakeAll())
        {
            if (entry.Topic.IsCompletedSuccessfully)
            {
                await entry.Topic.Result.DisposeAsync();
            }
        }
    }

    private async Task<Topic> OpenAsync(string subject)
    {
        await Task.Yield();
        var feed = await broker.OpenFeedAsync(subject, CancellationToken.None);
        var topic = new Topic(subject, feed, options.Value.ReplayBufferSize, options.Value.ReplayBufferBytes, _budget, metrics, _logger);
        topic.Start();
        metrics.BrokerSubscriptionsOpened.Inc();
        return topic;
    }

    private sealed class Entry(string subject, Task<Topic> topic) : Utilities.SharedEntry(subject)
    {
        public Task<Topic> Topic { get; } = topic;

        public bool IsFaulted => Topic.IsFaulted || Topic.IsCanceled || (Topic.IsCompletedSuccessfully && Topic.Result.Faulted);
    }
}
