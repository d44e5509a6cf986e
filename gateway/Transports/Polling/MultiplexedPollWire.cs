using System.Globalization;
using System.Text;
using Gateway.Routing;
using Gateway.Sessions;

namespace Gateway.Transports.Polling;

/// <summary>
/// One poll of a multiplexed stream (docs/protocol.md): every subscription's session writes into this answer, which
/// collects the path-tagged frames (the WebSocket's) and the composite cursor of what it holds. A long poll's answer is
/// sealed when the first subscription has something; whatever a session writes after that is not in the answer, and
/// neither is its cursor, so the next poll brings it.
/// </summary>
internal sealed class MultiplexedPollWire(HttpContext http, TransportKind transport, TimeSpan pollInterval) : MultiplexedWire(http.RequestAborted)
{
    private readonly List<byte[]> _items = [];
    private readonly TaskCompletionSource _content = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _sealed;
    private string? _reconnect;

    public override TransportKind Transport => transport;

    /// <summary>Completes when the answer has something to say (an event, a reset or gap, a reconnect).</summary>
    public Task Content => _content.Task;

    /// <summary>Nothing more goes into this answer.</summary>
    public void Seal()
    {
        lock (_items)
        {
            _sealed = true;
        }
    }

    public override ValueTask WriteEventsAsync(PathWriter path, IReadOnlyList<EventEntry> events, Cursor cursor, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            // A session's "nothing new": the answer waits for the others (or the deadline of all).
            return ValueTask.CompletedTask;
        }

        lock (_items)
        {
            if (!_sealed)
            {
                foreach (var e in events)
                {
                    var json = e.Json;
                    var frame = new byte[path.Prefix.Length + json.Length - 1];
                    path.Prefix.CopyTo(frame, 0);
                    json.AsSpan(1).CopyTo(frame.AsSpan(path.Prefix.Length));
                    _items.Add(frame);
                }

                Advance(path, cursor);
                _content.TrySetResult();
            }
        }

        return ValueTask.CompletedTask;
    }

    // Polls carry no heartbeat: each answer comes well inside every idle timeout.
    public override ValueTask WriteHeartbeatAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public override ValueTask WritePathSignalAsync(PathWriter path, PathSignal signal, CancellationToken cancellationToken)
    {
        lock (_items)
        {
            if (!_sealed)
            {
                var type = signal.Kind switch
                {
                    PathSignalKind.Reset => "reset",
                    PathSignalKind.Gap => "gap",
                    _ => "reconnect",
                };
                _items.Add(SignalFrame(type, path.Path, signal.Cursor.ToString(), signal));
                if (signal.Kind != PathSignalKind.Reconnect)
                {
                    Advance(path, signal.Cursor);
                }

                _content.TrySetResult();
            }
        }

        return ValueTask.CompletedTask;
    }

    public override ValueTask WriteSubscribedAsync(PathWriter path, Cursor cursor, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public override ValueTask WriteRefusedAsync(string path, SubscriptionRefusal refusal, CancellationToken cancellationToken)
    {
        lock (_items)
        {
            _items.Add(ErrorFrame(path, refusal));
        }

        return ValueTask.CompletedTask;
    }

    public override ValueTask WriteUnsubscribedAsync(string path, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    protected override ValueTask WriteConnectionCloseAsync(CloseReason reason, TimeSpan retryAfter, CancellationToken cancellationToken)
    {
        lock (_items)
        {
            _reconnect ??= $"{{\"reason\":\"{reason.Name()}\",\"retryMs\":{((long)retryAfter.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)}}}";
            _content.TrySetResult();
        }

        return ValueTask.CompletedTask;
    }

    public override void Abort() => http.Abort();

    public override ValueTask<CloseReason> CompleteAsync(CloseReason reason) => ValueTask.FromResult(reason);

    /// <summary>Writes the answer: <c>{"events":[...],"cursor":"&lt;composite&gt;"}</c>, an <c>ETag</c> on short polls.</summary>
    public async Task WriteAnswerAsync(CancellationToken cancellationToken)
    {
        Seal();
        var cursor = CompositeText();
        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        PollCaching.Apply(http);
        response.Headers["X-Poll-Interval"] = PollInterval.Header(pollInterval);
        if (transport == TransportKind.Polling)
        {
            response.Headers.ETag = $"\"{cursor}\"";
        }

        var body = response.BodyWriter;
        body.Write("{\"events\":["u8);
        for (var i = 0; i < _items.Count; i++)
        {
            if (i > 0)
            {
                body.Write(","u8);
            }

            body.Write(_items[i]);
        }

        body.Write("],\"cursor\":\""u8);
        body.Write(Encoding.UTF8.GetBytes(cursor));
        body.Write("\""u8);
        if (_reconnect is not null)
        {
            body.Write(",\"reconnect\":"u8);
            body.Write(Encoding.UTF8.GetBytes(_reconnect));
        }

        body.Write("}"u8);
        await body.FlushAsync(cancellationToken);
    }
}
