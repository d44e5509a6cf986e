using Gateway.Routing;
using Gateway.Sessions;

namespace Gateway.Transports.Polling;

/// <summary>
/// Short polling with ETag/304: the ETag is the newest cursor, so an unchanged subject costs one comparison and no
/// backend or broker work, however many clients poll it.
/// </summary>
internal sealed class PollingTransport(SessionHost host) : IPushTransport
{
    public TransportKind Kind => TransportKind.Polling;

    public async Task<CloseReason> RunAsync(PushContext context, Topic topic)
    {
        var http = context.Http;
        var head = topic.Head.ToString();
        var interval = context.Route.PollInterval;
        foreach (var candidate in http.Request.Headers.IfNoneMatch)
        {
            if (candidate is not null && (candidate == $"\"{head}\"" || candidate == $"W/\"{head}\""))
            {
                http.Response.StatusCode = StatusCodes.Status304NotModified;
                http.Response.Headers.ETag = $"\"{head}\"";
                http.Response.Headers["X-Poll-Interval"] = PollInterval.Header(interval);
                return CloseReason.Completed;
            }
        }

        var writer = new PollResponseWriter(http.Response, TransportKind.Polling, interval);
        return await host.RunAsync(context.Route, context.RouteConfig, context.Subject, topic, context.CursorText, writer, SessionMode.Poll, TimeSpan.Zero, http.RequestAborted);
    }

    public Task RejectAsync(PushContext context, int status, string reason, TimeSpan retryAfter) =>
        WireErrors.WriteAsync(context.Http, status, reason, "Polls are refused right now; retry after the advised delay.", retryAfter: retryAfter);
}
