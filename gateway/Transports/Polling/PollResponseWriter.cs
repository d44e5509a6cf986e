using System.Globalization;
using Gateway.Routing;
using Gateway.Sessions;

namespace Gateway.Transports.Polling;

/// <summary>
/// Writes one poll answer: <c>{"events":[...],"cursor":"..."}</c> plus <c>"reset":true</c> or <c>"reconnect":{...}</c>.
/// The event items are the same bytes the WebSocket sends, so fan-out encodes JSON once for three transports.
/// </summary>
internal sealed class PollResponseWriter(HttpResponse response, TransportKind transport, TimeSpan pollInterval) : ISessionWriter
{
    public TransportKind Transport => transport;

    public bool Written { get; private set; }

    public ValueTask WriteEventsAsync(IReadOnlyList<EventEntry> events, Cursor cursor, CancellationToken cancellationToken) =>
        WriteAsync(events, cursor, null, cancellationToken);

    // Polls carry no heartbeat: each answer comes well inside every idle timeout (the wait is at most 55 s).
    public ValueTask WriteHeartbeatAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask WriteResetAsync(Cursor cursor, CancellationToken cancellationToken) =>
        WriteAsync([], cursor, "\"reset\":true", cancellationToken);

    public ValueTask WriteGapAsync(Cursor cursor, long skipped, CancellationToken cancellationToken) =>
        WriteAsync([], cursor, $"\"gap\":{{\"skipped\":{skipped.ToString(CultureInfo.InvariantCulture)}}}", cancellationToken);

    public ValueTask CloseAsync(CloseReason reason, TimeSpan retryAfter, Cursor cursor, CancellationToken cancellationToken) =>
        WriteAsync([], cursor, $"\"reconnect\":{{\"reason\":\"{reason.Name()}\",\"retryMs\":{((long)retryAfter.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)}}}", cancellationToken);

    private async ValueTask WriteAsync(IReadOnlyList<EventEntry> events, Cursor cursor, string? extra, CancellationToken cancellationToken)
    {
        if (Written)
        {
            return;
        }

        Written = true;
        var cursorText = cursor.ToString();
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Poll-Interval"] = PollInterval.Header(pollInterval);
        if (transport == TransportKind.Polling)
        {
            response.Headers.ETag = $"\"{cursorText}\"";
        }

        var body = response.BodyWriter;
        body.Write("{\"events\":["u8);
        for (var i = 0; i < events.Count; i++)
        {
            if (i > 0)
            {
                body.Write(","u8);
            }

            body.Write(events[i].Json);
        }

        body.Write("],\"cursor\":\""u8);
        body.Write(System.Text.Encoding.UTF8.GetBytes(cursorText));
        body.Write("\""u8);
        if (extra is not null)
        {
            body.Write(","u8);
            body.Write(System.Text.Encoding.UTF8.GetBytes(extra));
        }

        body.Write("}"u8);
        await body.FlushAsync(cancellationToken);
    }
}
