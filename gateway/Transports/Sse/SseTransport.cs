using System.Globalization;
using System.Text;
using Gateway.Routing;
using Gateway.Sessions;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Transports.Sse;

/// <summary>
/// Server-Sent Events. Standard <c>EventSource</c> gives up for good on any non-200 answer, so even a refusal is a
/// 200 stream carrying <c>retry:</c> and a <c>gateway.reconnect</c> event.
/// </summary>
internal sealed class SseTransport(SessionHost host) : IPushTransport
{
    public TransportKind Kind => TransportKind.Sse;

    public async Task<CloseReason> RunAsync(PushContext context, Topic topic)
    {
        var http = context.Http;
        StartStream(http, host.Services.Push.CurrentValue.ReconnectDelay);
        await http.Response.BodyWriter.FlushAsync(http.RequestAborted);

        var writer = new SseWriter(http.Response.BodyWriter);
        return await host.RunAsync(context.Route, context.RouteConfig, context.Subject, topic, context.CursorText, writer, SessionMode.Stream, TimeSpan.Zero, http.RequestAborted, context.TokenExpiry, context.ClientKey);
    }

    public async Task RejectAsync(PushContext context, int status, string reason, TimeSpan retryAfter)
    {
        var http = context.Http;
        StartStream(http, retryAfter);
        var writer = new SseWriter(http.Response.BodyWriter);
        await writer.WriteReconnectAsync(reason, retryAfter, http.RequestAborted);
    }

    private static void StartStream(HttpContext http, TimeSpan retry)
    {
        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";

        // Never buffered or compressed: an event must reach the client when it is written.
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        response.Headers.ContentEncoding = "identity";
        var retryLine = Encoding.UTF8.GetBytes($"retry: {((long)retry.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)}\n\n");
        response.BodyWriter.Write(retryLine);
    }
}
