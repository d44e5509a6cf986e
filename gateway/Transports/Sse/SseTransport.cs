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
internal sealed class SseTransport : IPushTransport
{
    public TransportKind Kind => TransportKind.Sse;

    public SessionMode Mode => SessionMode.Stream;

    public async ValueTask<ITransportConnection?> OpenAsync(TransportOpening opening)
    {
        var http = opening.Http;
        StartStream(http, opening.Options.ReconnectDelay);
        var flushed = await http.Response.BodyWriter.FlushAsync(http.RequestAborted);
        return flushed.IsCompleted || flushed.IsCanceled ? null : new SseWriter(http);
    }

    public async Task RejectAsync(HttpContext http, int status, string reason, TimeSpan retryAfter)
    {
        StartStream(http, retryAfter);
        await new SseWriter(http).WriteReconnectAsync(reason, retryAfter, http.RequestAborted);
    }

    internal static void StartStream(HttpContext http, TimeSpan retry)
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
