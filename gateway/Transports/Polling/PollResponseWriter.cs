using System.Globalization;
using Gateway.Routing;
using Gateway.Sessions;

namespace Gateway.Transports.Polling;

/// <summary>
/// Writes one poll answer: <c>{"events":[...],"cursor":"..."}</c> plus <c>"reset":true</c> or <c>"reconnect":{...}</c>.
/// The event items are the same bytes the WebSocket sends, so fan-out encodes JSON once for three transports.
/// </summary>
internal sealed class PollResponseWriter(HttpContext http, TransportKind transport, TimeSpan pollInterval, TimeSpan wait) : ISessionWriter, ITransportConnection
{
    private readonly HttpResponse _response = http.Response;

    public TransportKind Transport => transport;

    public ISessionWriter Writer => this;

    public CancellationToken Ended => http.RequestAborted;

    public TimeSpan Wait => wait;

    public void Abort() => http.Abort();

    public ValueTask<CloseReason> CompleteAsync(CloseReason reason) => ValueTask.FromResult(reason);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

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
        _response.StatusCode = StatusCodes.Status200OK;
        _response.ContentType = "application/json";
        PollCaching.Apply(http);
        _response.Headers["X-Poll-Interval"] = PollInterval.Header(pollInterval);
        if (transport == TransportKind.Polling)
        {
            _response.Headers.ETag = $"\"{cursorText}\"";
        }

        var body = _response.BodyWriter;
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
