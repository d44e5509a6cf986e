using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using EdgeGateway.Client.Wire;

namespace EdgeGateway.Client.Transports;

/// <summary>
/// Server-Sent Events: <c>GET {path}</c> with <c>Accept: text/event-stream</c> and <c>Last-Event-ID</c>. The gateway
/// writes a <c>retry:</c> line the moment the stream opens and heartbeat comments while idle, so a stream whose first
/// bytes do not arrive within <see cref="SubscribeOptions.SseProbeTimeout"/> is held back by a buffering intermediary
/// (the client falls back), and one that goes silent after that is dead (the client reconnects).
/// </summary>
internal sealed class SseConnection : ITransportConnection
{
    public GatewayTransport Kind => GatewayTransport.Sse;

    public async Task<ConnectionOutcome> RunAsync(ConnectionContext context, CancellationToken cancellationToken)
    {
        using var request = await context.RequestAsync(HttpMethod.Get, context.StreamUri([]), cancellationToken);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        request.Headers.CacheControl = new CacheControlHeaderValue { NoCache = true };
        if (context.Sink.Cursor is { } cursor)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", cursor);
        }

        // The gateway answers an SSE request at once; headers that take longer than the probe are held by an intermediary
        // (one in front of a buffering proxy may hold them until the first body byte, which never comes).
        var headersTimeout = context.Options.SseProbeTimeout < context.Options.ConnectTimeout ? context.Options.SseProbeTimeout : context.Options.ConnectTimeout;
        HttpResponseMessage response;
        using (var connect = new TimeoutScope(context.Time, headersTimeout, cancellationToken))
        {
            try
            {
                response = await context.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, connect.Token);
            }
            catch (OperationCanceledException ex) when (connect.TimedOut)
            {
                return ConnectionOutcome.FallBack(GatewayFallbackReason.Timeout, ex);
            }
            catch (HttpRequestException ex) when (!cancellationToken.IsCancellationRequested)
            {
                return HttpAnswers.IsUnreachable(ex)
                    ? ConnectionOutcome.Reconnect("unreachable", delivered: false, error: ex)
                    : ConnectionOutcome.FallBack(GatewayFallbackReason.Error, ex);
            }
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                return await HttpAnswers.RefusalAsync(response, cancellationToken);
            }

            if (response.Content.Headers.ContentType?.MediaType != "text/event-stream")
            {
                return ConnectionOutcome.FallBack(GatewayFallbackReason.Unsupported);
            }

            try
            {
                return await ReadAsync(context, await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken);
            }
            finally
            {
                context.Sink.Closed();
            }
        }
    }

    private static async Task<ConnectionOutcome> ReadAsync(ConnectionContext context, Stream body, CancellationToken cancellationToken)
    {
        var sink = context.Sink;
        var bytes = false;
        ServerReconnect? advice = null;
        using var watch = new TimeoutScope(context.Time, context.Options.SseProbeTimeout, cancellationToken);
        await using var stream = new ActivityStream(body, () =>
        {
            if (!bytes)
            {
                bytes = true;
                sink.Opened(GatewayTransport.Sse, upstream: null);
            }

            watch.Arm(context.IdleTimeout);
        });

        try
        {
            await foreach (var item in SseParser.Create(stream).EnumerateAsync(watch.Token))
            {
                switch (item.EventType)
                {
                    case "gateway.reset":
                        if ((item.EventId ?? EventData.TryDeserialize(item.Data, ClientJsonContext.Default.ResetNotice)?.Cursor) is { } cursor)
                        {
                            sink.Reset(cursor);
                        }

                        break;
                    case "gateway.gap":
                        if (EventData.TryDeserialize(item.Data, ClientJsonContext.Default.GapNotice) is { } gap && (item.EventId ?? gap.Cursor) is { } gapCursor)
                        {
                            sink.Gap(gapCursor, gap.Skipped);
                        }

                        break;
                    case "gateway.reconnect":
                        advice = EventData.TryDeserialize(item.Data, ClientJsonContext.Default.ServerReconnect) ?? new ServerReconnect("reconnect", 0);
                        break;
                    default:
                        if (item.EventId is { } id)
                        {
                            // A reader slow to take events is not a silent stream.
                            watch.Disarm();
                            await sink.DeliverAsync(id, item.EventType, EventData.Parse(item.Data), cancellationToken);
                            watch.Arm(context.IdleTimeout);
                        }

                        break;
                }
            }

            if (advice is not null)
            {
                return ConnectionOutcome.Reconnect(advice.Reason ?? "reconnect", delivered: true, TimeSpan.FromMilliseconds(advice.RetryMs));
            }

            return bytes ? ConnectionOutcome.Reconnect("closed", delivered: true) : ConnectionOutcome.FallBack(GatewayFallbackReason.Closed);
        }
        catch (OperationCanceledException) when (watch.TimedOut)
        {
            return bytes
                ? ConnectionOutcome.Reconnect(GatewayFallbackReason.NoHeartbeat.Name(), delivered: true)
                : ConnectionOutcome.FallBack(GatewayFallbackReason.Buffered);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
        {
            return advice is not null
                ? ConnectionOutcome.Reconnect(advice.Reason ?? "reconnect", delivered: true, TimeSpan.FromMilliseconds(advice.RetryMs))
                : ConnectionOutcome.Broken(bytes, GatewayFallbackReason.Error, ex);
        }
    }
}
