using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using Gateway.Routing;
using Gateway.Sessions;

namespace Gateway.Transports.Sse;

/// <summary>
/// Writes the event stream and is its connection: the end signal is the request's. A batch is the events' shared frames
/// concatenated and one flush. Control signals are SSE events named <c>gateway.*</c> so applications can ignore them.
/// </summary>
internal sealed class SseWriter(HttpContext http) : ISessionWriter, ITransportConnection
{
    private static readonly byte[] Heartbeat = ": heartbeat\n\n"u8.ToArray();
    private readonly PipeWriter _output = http.Response.BodyWriter;

    public TransportKind Transport => TransportKind.Sse;

    public ISessionWriter Writer => this;

    public CancellationToken Ended => http.RequestAborted;

    public TimeSpan Wait => TimeSpan.Zero;

    public ValueTask WriteEventsAsync(IReadOnlyList<EventEntry> events, Cursor cursor, CancellationToken cancellationToken)
    {
        for (var i = 0; i < events.Count; i++)
        {
            _output.Write(events[i].Sse);
        }

        return FlushAsync(cancellationToken);
    }

    public ValueTask WriteHeartbeatAsync(CancellationToken cancellationToken)
    {
        _output.Write(Heartbeat);
        return FlushAsync(cancellationToken);
    }

    // The reset carries the new cursor as its id, so EventSource's own reconnect resumes from there, not the stale one.
    public ValueTask WriteResetAsync(Cursor cursor, CancellationToken cancellationToken) =>
        WriteControlAsync($"id: {cursor}\nevent: gateway.reset\ndata: {{\"cursor\":\"{cursor}\"}}\n\n", cancellationToken);

    public ValueTask WriteGapAsync(Cursor cursor, long skipped, CancellationToken cancellationToken) =>
        WriteControlAsync($"id: {cursor}\nevent: gateway.gap\ndata: {{\"cursor\":\"{cursor}\",\"skipped\":{skipped.ToString(CultureInfo.InvariantCulture)}}}\n\n", cancellationToken);

    public ValueTask CloseAsync(CloseReason reason, TimeSpan retryAfter, Cursor cursor, CancellationToken cancellationToken) =>
        reason.AdvisesReconnect() ? WriteReconnectAsync(reason.Name(), retryAfter, cancellationToken) : ValueTask.CompletedTask;

    public ValueTask WriteReconnectAsync(string reason, TimeSpan retryAfter, CancellationToken cancellationToken)
    {
        var ms = ((long)retryAfter.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        return WriteControlAsync($"retry: {ms}\nevent: gateway.reconnect\ndata: {{\"reason\":\"{reason}\",\"retryMs\":{ms}}}\n\n", cancellationToken);
    }

    public void Abort() => http.Abort();

    public ValueTask<CloseReason> CompleteAsync(CloseReason reason) => ValueTask.FromResult(reason);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private ValueTask WriteControlAsync(string text, CancellationToken cancellationToken)
    {
        _output.Write(Encoding.UTF8.GetBytes(text));
        return FlushAsync(cancellationToken);
    }

    private ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        var flush = _output.FlushAsync(cancellationToken);
        if (!flush.IsCompletedSuccessfully)
        {
            return AwaitFlushAsync(flush);
        }

        // The common case: Kestrel took the bytes without back-pressure; no state machine.
        var result = flush.Result;
        if (result.IsCompleted || result.IsCanceled)
        {
            throw new OperationCanceledException("The client went away.");
        }

        return ValueTask.CompletedTask;
    }

    private static async ValueTask AwaitFlushAsync(ValueTask<FlushResult> flush)
    {
        var result = await flush;
        if (result.IsCompleted || result.IsCanceled)
        {
            throw new OperationCanceledException("The client went away.");
        }
    }
}
