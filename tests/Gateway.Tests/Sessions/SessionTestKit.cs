using Gateway.Broker;
using Gateway.Routing;
using Gateway.Sessions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Sessions.Tests;

/// <summary>The middle layer on a fake clock: a topic fed by hand, session services, and a writer that records.</summary>
internal sealed class SessionTestKit : IDisposable
{
    public SessionTestKit(int capacity = 1024, long maxBytes = 4L << 20, long totalBytes = 256L << 20)
    {
        Services = new SessionServices(Metrics, Time, new StaticOptions<PushOptions>(new PushOptions()));
        Budget = new ReplayBudget(totalBytes);
        Topic = NewTopic("t", capacity, maxBytes);
    }

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.Parse("2026-12-02T08:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    public Observability.GatewayMetrics Metrics { get; } = new();

    public SessionServices Services { get; }

    public ReplayBudget Budget { get; }

    public Topic Topic { get; }

    private ulong _sequence;

    public Topic NewTopic(string subject, int capacity = 1024, long maxBytes = 4L << 20) =>
        new(subject, new StubFeed(), capacity, maxBytes, Budget, Metrics, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

    public static PushRoute Route(TimeSpan? heartbeat = null, SlowConsumerPolicy policy = SlowConsumerPolicy.Disconnect) => new(
        "r", null, SubjectTemplate.Parse("t", "subject", []), [TransportKind.Sse, TransportKind.WebSocket, TransportKind.LongPolling, TransportKind.Polling],
        null, null, TimeSpan.Zero, null, 1024, policy, heartbeat ?? TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(5), null, null, null, null, null, null);

    /// <summary>Appends one event with the next sequence (or <paramref name="sequence"/>) and a payload of <paramref name="size"/> bytes.</summary>
    public ulong Publish(Topic? topic = null, int size = 10, ulong? sequence = null)
    {
        var seq = sequence ?? ++_sequence;
        _sequence = Math.Max(_sequence, seq);
        var data = new byte[size];
        data.AsSpan().Fill((byte)'1');
        (topic ?? Topic).Append(new FeedEvent(new BrokerEvent(seq, "t", "message", data, Time.GetUtcNow())));
        return seq;
    }

    public PushSession Session(RecordingWriter writer, SessionMode mode = SessionMode.Stream, Cursor? cursor = null, TimeSpan? wait = null, PushRoute? route = null, CancellationToken ended = default) =>
        new(new SessionStart(route ?? Route(), null!, "t", mode, wait ?? TimeSpan.Zero, null, null), Topic, cursor ?? Topic.Head, writer, Services, () => writer.Aborted = true, ended);

    public void Dispose() => Services.Dispose();

    private sealed class StubFeed : ISubjectFeed
    {
        public string Epoch => "e1";

        public ulong StartSequence => 0;

        public async IAsyncEnumerable<FeedItem> ReadAllAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            yield break;
        }

        public ValueTask<IReadOnlyList<BrokerEvent>?> ReadHistoryAsync(ulong afterSequence, ulong throughSequence, int max, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IReadOnlyList<BrokerEvent>?>(null);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class StaticOptions<T>(T value) : IOptionsMonitor<T>
    {
        public T CurrentValue => value;

        public T Get(string? name) => value;

        public IDisposable? OnChange(Action<T, string?> listener) => null;
    }
}

/// <summary>Records what a session writes, in order; a write can be held to simulate a client that stopped reading.</summary>
internal sealed class RecordingWriter(TransportKind transport = TransportKind.Sse) : ISessionWriter
{
    private readonly Lock _lock = new();
    private readonly List<string> _log = [];
    private readonly List<ulong> _sequences = [];

    public TransportKind Transport => transport;

    public bool Aborted { get; set; }

    public List<ulong> Sequences
    {
        get
        {
            lock (_lock)
            {
                return [.. _sequences];
            }
        }
    }

    public int Batches { get; private set; }

    public IReadOnlyList<string> Log
    {
        get
        {
            lock (_lock)
            {
                return [.. _log];
            }
        }
    }

    /// <summary>Makes every batch write go asynchronous, so the session runs concurrently with the publisher.</summary>
    public bool Yield { get; set; }

    /// <summary>When set, every batch write waits for it: a client that stopped reading.</summary>
    public TaskCompletionSource? Hold { get; set; }

    public ValueTask WriteEventsAsync(IReadOnlyList<EventEntry> events, Cursor cursor, CancellationToken cancellationToken)
    {
        Record(events, cursor);
        if (Hold is { } hold)
        {
            return new ValueTask(hold.Task);
        }

        return Yield ? YieldAsync() : ValueTask.CompletedTask;
    }

    private static async ValueTask YieldAsync() => await Task.Yield();

    private void Record(IReadOnlyList<EventEntry> events, Cursor cursor)
    {
        lock (_lock)
        {
            Batches++;
            foreach (var e in events)
            {
                _sequences.Add(e.Sequence);
            }

            _log.Add($"events:{events.Count}:{cursor}");
        }
    }

    public ValueTask WriteHeartbeatAsync(CancellationToken cancellationToken) => Add("heartbeat");

    public ValueTask WriteResetAsync(Cursor cursor, CancellationToken cancellationToken) => Add($"reset:{cursor}");

    public ValueTask WriteGapAsync(Cursor cursor, long skipped, CancellationToken cancellationToken) => Add($"gap:{skipped}");

    public ValueTask CloseAsync(CloseReason reason, TimeSpan retryAfter, Cursor cursor, CancellationToken cancellationToken) => Add($"close:{reason}");

    public int Count(string prefix) => Log.Count(l => l.StartsWith(prefix, StringComparison.Ordinal));

    private ValueTask Add(string entry)
    {
        lock (_lock)
        {
            _log.Add(entry);
        }

        return ValueTask.CompletedTask;
    }
}
