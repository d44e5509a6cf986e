using System.Threading.Channels;

namespace Gateway.Broker.Memory;

/// <summary>A bounded, append-only log of one subject plus its live listeners.</summary>
internal sealed class MemorySubjectLog(string subject, int capacity)
{
    private readonly Lock _lock = new();
    private readonly Queue<BrokerEvent> _events = new();
    private readonly List<ChannelWriter<FeedItem>> _listeners = [];
    private ulong _lastSequence;

    public ulong LastSequence
    {
        get
        {
            lock (_lock)
            {
                return _lastSequence;
            }
        }
    }

    public void Append(OutgoingMessage message, DateTimeOffset now, string? traceParent)
    {
        lock (_lock)
        {
            var e = new BrokerEvent(++_lastSequence, subject, GatewayHeaders.SanitizeEventType(message.EventType), message.Data.ToArray(), now, traceParent);
            _events.Enqueue(e);
            if (_events.Count > capacity)
            {
                _events.Dequeue();
            }

            foreach (var listener in _listeners)
            {
                // Unbounded on purpose: the listener is the instance's one topic pump, never a client.
                listener.TryWrite(new FeedEvent(e));
            }
        }
    }

    public ulong Attach(ChannelWriter<FeedItem> listener)
    {
        lock (_lock)
        {
            _listeners.Add(listener);
            return _lastSequence;
        }
    }

    public void Detach(ChannelWriter<FeedItem> listener)
    {
        lock (_lock)
        {
            _listeners.Remove(listener);
        }
    }

    public IReadOnlyList<BrokerEvent>? Read(ulong after, ulong through, int max)
    {
        lock (_lock)
        {
            var first = _events.Count == 0 ? _lastSequence + 1 : _events.Peek().Sequence;
            if (after + 1 < first || after > _lastSequence)
            {
                return null;
            }

            var result = new List<BrokerEvent>(Math.Min(max, _events.Count));
            foreach (var e in _events)
            {
                if (e.Sequence <= after)
                {
                    continue;
                }

                if (e.Sequence > through || result.Count >= max)
                {
                    break;
                }

                result.Add(e);
            }

            return result;
        }
    }
}
