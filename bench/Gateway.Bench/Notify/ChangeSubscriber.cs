using System.Net.ServerSentEvents;

namespace Gateway.Bench.Notify;

/// <summary>
/// An SSE subscriber of <c>/items/1/events</c> that records <c>changed</c> events in its <see cref="ChangeLog"/>. When the
/// stream ends it reconnects after the <c>retry:</c> interval (50 ms..2 s) with <c>Last-Event-ID</c>, so an end costs
/// time, not events.
/// </summary>
internal sealed class ChangeSubscriber(HttpClient http, Uri uri, string method, string path)
{
    private static readonly TimeSpan MinRetry = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(15);

    private Task _loop = Task.CompletedTask;
    private string? _lastEventId;

    public ChangeLog Log { get; } = new();

    public int Reconnects { get; private set; }

    public bool Failed => _loop.IsFaulted;

    /// <summary>Opens the stream (bounded), then receives in the background until <paramref name="lifetime"/> ends.</summary>
    public async Task ConnectAsync(CancellationToken cancellationToken, CancellationToken lifetime)
    {
        var response = await OpenAsync(cancellationToken);
        _loop = ReceiveAsync(response, lifetime);
    }

    public async Task StopAsync()
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
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ConnectTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (_lastEventId is { Length: > 0 } id)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", id);
        }

        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
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
        while (!cancellationToken.IsCancellationRequested)
        {
            var retry = TimeSpan.FromMilliseconds(200);
            SseParser<ChangedEvent>? parser = null;
            try
            {
                response ??= await OpenAsync(cancellationToken);
                using (response)
                {
                    await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
                    parser = SseParser.Create(stream, static (type, data) => type == "changed" ? ChangedEvent.Parse(data) : default);
                    await foreach (var item in parser.EnumerateAsync(cancellationToken))
                    {
                        if (item.EventType != "changed")
                        {
                            continue;
                        }

                        if (item.Data.Matches(method, path))
                        {
                            Log.Record(item.Data.Key);
                        }
                        else
                        {
                            Log.RecordUnexpected();
                        }
                    }

                    retry = parser.ReconnectionInterval;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
            {
            }

            if (parser?.LastEventId is { Length: > 0 } last)
            {
                _lastEventId = last;
            }

            response = null;
            Reconnects++;
            await Task.Delay(retry < MinRetry ? MinRetry : retry > MaxRetry ? MaxRetry : retry, cancellationToken);
        }
    }
}
