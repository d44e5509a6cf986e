using System.Globalization;
using Gateway.Routing;
using Gateway.Sessions;
using Gateway.Transports.Polling;

namespace Gateway.Transports.LongPolling;

/// <summary>
/// Long polling: answers at once when anything is newer than the cursor, else holds until an event or the wait ends.
/// The cursor in every answer guarantees nothing falls between two polls.
/// </summary>
internal sealed class LongPollingTransport : IPushTransport
{
    /// <summary>The wait is clamped to 1..55 s: inside YARP's 100 s and common proxies' 60 s idle timeouts.</summary>
    public static readonly TimeSpan MinWait = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(55);

    public TransportKind Kind => TransportKind.LongPolling;

    public SessionMode Mode => SessionMode.LongPoll;

    public ValueTask<ITransportConnection?> OpenAsync(TransportOpening opening)
    {
        var wait = ParseWait(opening.Http.Request.Query["wait"], opening.Options.LongPollDefaultWait);
        return ValueTask.FromResult<ITransportConnection?>(new PollResponseWriter(opening.Http, TransportKind.LongPolling, opening.Route.PollInterval, wait));
    }

    /// <summary>Out-of-range waits are clamped to 1..55 s, not refused: a client with a wrong constant still works.</summary>
    public static TimeSpan ParseWait(string? text, TimeSpan fallback) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && double.IsFinite(seconds)
            ? TimeSpan.FromSeconds(Math.Clamp(seconds, MinWait.TotalSeconds, MaxWait.TotalSeconds))
            : fallback;

    public Task RejectAsync(HttpContext http, int status, string reason, TimeSpan retryAfter) =>
        WireErrors.WriteAsync(http, status, reason, "Polls are refused right now; retry after the advised delay.", retryAfter: retryAfter);
}
