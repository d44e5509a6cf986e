using Gateway.Routing;
using Gateway.Sessions;

namespace Gateway.Transports.Polling;

/// <summary>
/// Short polling with ETag/304: the ETag is the newest cursor, so an unchanged subject costs one comparison and no
/// backend or broker work, however many clients poll it.
/// </summary>
internal sealed class PollingTransport : IPushTransport
{
    public TransportKind Kind => TransportKind.Polling;

    public SessionMode Mode => SessionMode.Poll;

    public ValueTask<ITransportConnection?> OpenAsync(TransportOpening opening) =>
        ValueTask.FromResult<ITransportConnection?>(new PollResponseWriter(opening.Http, TransportKind.Polling, opening.PollInterval, TimeSpan.Zero));

    /// <summary>Answers <c>304</c> when the client's <c>If-None-Match</c> is the subject's newest cursor; false otherwise.</summary>
    public static bool TryAnswerNotModified(HttpContext http, string head, TimeSpan interval)
    {
        foreach (var candidate in http.Request.Headers.IfNoneMatch)
        {
            if (candidate is not null && Matches(candidate.AsSpan(), head))
            {
                http.Response.StatusCode = StatusCodes.Status304NotModified;
                http.Response.Headers.ETag = $"\"{head}\"";
                PollCaching.Apply(http);
                http.Response.Headers["X-Poll-Interval"] = PollInterval.Header(interval);
                return true;
            }
        }

        return false;
    }

    /// <summary><c>"head"</c> or <c>W/"head"</c>, compared without allocating.</summary>
    private static bool Matches(ReadOnlySpan<char> candidate, string head)
    {
        if (candidate.StartsWith("W/", StringComparison.Ordinal))
        {
            candidate = candidate[2..];
        }

        return candidate.Length == head.Length + 2 && candidate[0] == '"' && candidate[^1] == '"' && candidate[1..^1].SequenceEqual(head);
    }

    public Task RejectAsync(HttpContext http, int status, string reason, TimeSpan retryAfter) =>
        WireErrors.WriteAsync(http, status, reason, "Polls are refused right now; retry after the advised delay.", retryAfter: retryAfter);
}
