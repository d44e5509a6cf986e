using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using Gateway.Routing;
using Gateway.Sessions;

namespace Gateway.Transports.Sse;

/// <summary>Writes the event stream. Control signals are SSE events named <c>gateway.*</c> so applications can ignore them.</summary>
internal sealed class SseWriter(PipeWriter output) : ISessionWriter
{
    private static readonly byte[] Heartbeat = ": heartbeat\n\n"u8.ToArray();

    public TransportKind Transport => TransportKind.Sse;

    public async ValueTask WriteEventsAsync(IReadOnlyList<EventEntry> events, Cursor cursor, CancellationToken cancellationToken)
    {
        foreach (var e in events)
        {
            output.Write(e.Sse);
        }

        await FlushAsync(cancellationToken);
    }

    public ValueTask WriteHeartbeatAsync(CancellationToken cancellationToken)
    {
        output.Write(Heartbeat);
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

    private ValueTask WriteControlAsync(string text, CancellationToken cancellationToken)
    {
        output.Write(Encoding.UTF8.GetBytes(text));
        return FlushAsync(cancellationToken);
    }

    private async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        var result = await output.FlushAsync(cancellationToken);
        if (result.IsCompleted || result.IsCanceled)
        {
            throw new OperationCanceledException("The client went away.");
        }
    }
}
