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
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _topics = new(StringComparer.Ordinal);
    private readonly List<Entry> _retired = [];
    private readonly ILogger _logger = loggerFactory.CreateLogger<Topic>();
    private readonly ReplayBudget _budget = new(options.Value.ReplayTotalBytes);

    /// <summary>Replay memory held by every topic of the instance.</summary>
    public ReplayBudget Budget => _budget;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _topics.Count;
            }
        }
    }

    /// <summary>Takes a reference on the subject's topic, opening the broker subscription if needed.</summary>
    public async ValueTask<Topic> AcquireAsync(string subject, CancellationToken cancellationToken)
    {
        Entry entry;
        lock (_lock)
        {
            if (!_topics.TryGetValue(subject, out entry!) || entry.IsFaulted)
            {
                if (entry is not null)
                {
                    _topics.Remove(subject);
                    _retired.Add(entry);
                }

                if (_topics.Count >= options.Value.MaxTopics)
                {
                    // Every topic is a broker subscription and a buffer: their number is capped like sessions are.
                    throw new BrokerUnavailableException($"This instance already follows {_topics.Count} subjects (Gateway:Broker:MaxTopics).");
                }

                entry = new Entry(OpenAsync(subject));
                _topics[subject] = entry;
            }

            entry.References++;
        }

        try
        {
            return await entry.Topic.WaitAsync(cancellationToken);
        }
        catch
        {
            lock (_lock)
            {
                entry.References--;
                if (entry.Topic.IsFaulted && _topics.TryGetValue(subject, out var current) && current == entry)
                {
                    _topics.Remove(subject);
                }
            }

            throw;
        }
    }

    /// <summary>Takes a reference on the subject's topic only if it is open and healthy now; never opens one.</summary>
    public bool TryAcquireOpen(string subject, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Topic? topic)
    {
        lock (_lock)
        {
            if (_topics.TryGetValue(subject, out var entry) && entry.Topic.IsCompletedSuccessfully && !entry.IsFaulted)
            {
                entry.References++;
                topic = entry.Topic.Result;
                return true;
            }
        }

        topic = null;
        return false;
    }

    public void Release(Topic topic)
    {
        lock (_lock)
        {
            if (_topics.TryGetValue(topic.Subject, out var entry) && entry.Topic.IsCompletedSuccessfully && entry.Topic.Result == topic)
            {
                entry.References--;
                entry.ReleasedAt = time.GetTimestamp();
                return;
            }

            foreach (var retired in _retired)
            {
                if (retired.Topic.IsCompletedSuccessfully && retired.Topic.Result == topic)
                {
                    retired.References--;
                    return;
                }
            }
        }
    }

    /// <summary>Closes topics nobody used for the linger time, and failed ones nobody holds. Called by the sweep.</summary>
    public async Task SweepAsync()
    {
        List<Topic>? close = null;
        var linger = options.Value.TopicLinger;
        lock (_lock)
        {
            List<string>? expired = null;
            foreach (var (subject, entry) in _topics)
            {
                if (entry.References == 0 && entry.Topic.IsCompleted &&
                    (entry.IsFaulted || time.GetElapsedTime(entry.ReleasedAt) >= linger))
                {
                    (expired ??= []).Add(subject);
                    _retired.Add(entry);
                }
            }

            if (expired is not null)
            {
                foreach (var subject in expired)
                {
                    _topics.Remove(subject);
                }
            }

            for (var i = _retired.Count - 1; i >= 0; i--)
            {
                var entry = _retired[i];
                if (entry.References <= 0 && entry.Topic.IsCompleted)
                {
                    _retired.RemoveAt(i);
                    if (entry.Topic.IsCompletedSuccessfully)
                    {
                        (close ??= []).Add(entry.Topic.Result);
                    }
                }
            }

            metrics.BrokerSubscriptions.Set(_topics.Count);
        }

        if (close is not null)
        {
            foreach (var topic in close)
            {
                await topic.DisposeAsync();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<Entry> all;
        lock (_lock)
        {
            all = [.. _topics.Values, .. _retired];
            _topics.Clear();
            _retired.Clear();
        }

        foreach (var entry in all)
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

    private sealed class Entry(Task<Topic> topic)
    {
        public Task<Topic> Topic { get; } = topic;

        public int References { get; set; }

        public long ReleasedAt { get; set; }

        public bool IsFaulted => Topic.IsFaulted || Topic.IsCanceled || (Topic.IsCompletedSuccessfully && Topic.Result.Faulted);
    }
}
