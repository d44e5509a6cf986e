using System.Net.ServerSentEvents;

namespace Gateway.Bench.Subscribers;

/// <summary>
/// An SSE client as an <c>EventSource</c> would be: <c>GET</c> with <c>Accept: text/event-stream</c>, parsed with
/// <see cref="SseParser"/>; when the stream ends it reconnects after the <c>retry:</c> interval with <c>Last-Event-ID</c>,
/// so a slow-consumer disconnect costs time, not events.
/// </summary>
internal sealed class SseSubscriber(HttpClient http, Uri uri, SubscriberStats stats) : IGatewaySubscriber
{
    private const int MaxReconnects = 20;
    private static readonly TimeSpan MinRetry = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan ReconnectTimeout = TimeSpan.FromSeconds(15);

    private static readonly SseItemParser<EventPayload> ParseItem = static (eventType, data) =>
        eventType == "message" && EventPayload.TryParse(data, out var payload) ? payload : default;

    private Task _loop = Task.CompletedTask;
    private string? _lastEventId;
    private int _state;

    public DeliveryLog Log { get; } = new();

    public SubscriberState State => (SubscriberState)Volatile.Read(ref _state);

    public async Task ConnectAsync(CancellationToken connectTimeout, CancellationToken lifetime)
    {
        var response = await OpenAsync(connectTimeout);
        _loop = ReceiveAsync(response, lifetime);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task<HttpResponseMessage> OpenAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (_lastEventId is { Length: > 0 } id)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", id);
        }

        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode || response.Content.Headers.ContentType?.MediaType != "text/event-stream")
        {
            var status = response.StatusCode;
            response.Dispose();
            throw new HttpRequestException($"SSE connect to {uri} answered {(int)status}, not a 200 event stream.");
        }

        return response;
    }

    private async Task ReceiveAsync(HttpResponseMessage? response, CancellationToken cancellationToken)
    {
        for (var reconnects = 0; ; reconnects++)
        {
            var retry = TimeSpan.FromMilliseconds(200);
            SseParser<EventPayload>? parser = null;
            try
            {
                if (response is null)
                {
                    SetState(SubscriberState.Connecting);
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    timeout.CancelAfter(ReconnectTimeout);
                    response = await OpenAsync(timeout.Token);
                }

                SetState(SubscriberState.Receiving);
                using (response)
                {
                    await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
                    parser = SseParser.Create(stream, ParseItem);
                    await foreach (var item in parser.EnumerateAsync(cancellationToken))
                    {
                        switch (item.EventType)
                        {
                            case "message" when item.Data.Timestamp > 0:
                                Log.Record(item.Data);
                                break;
                            case "gateway.reconnect":
                                stats.AdvisedToReconnect();
                                break;
                            case "gateway.reset":
                                stats.Reset();
                                break;
                        }
                    }

                    retry = parser.ReconnectionInterval;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                SetState(SubscriberState.Stopped);
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
            {
            }

            response = null;
            if (parser?.LastEventId is { Length: > 0 } last)
            {
                _lastEventId = last;
            }

            if (cancellationToken.IsCancellationRequested)
            {
                SetState(SubscriberState.Stopped);
                return;
            }

            if (reconnects >= MaxReconnects)
            {
                SetState(SubscriberState.Stopped);
                stats.GiveUp();
                return;
            }

            SetState(SubscriberState.WaitingToReconnect);
            stats.Reconnected();
            var delay = retry < MinRetry ? MinRetry : retry > MaxRetry ? MaxRetry : retry;
            try
            {
                await Task.Delay(delay, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                SetState(SubscriberState.Stopped);
                return;
            }
        }
    }

    private void SetState(SubscriberState state) => Volatile.Write(ref _state, (int)state);
}
