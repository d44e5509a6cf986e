using System.Net;

namespace Gateway.Bench.Subscribers;

/// <summary>
/// A long-polling client of nchan: <c>GET /sub/{channel}</c> back to back, resuming with the <c>Last-Modified</c> and
/// <c>Etag</c> of the previous answer as <c>If-Modified-Since</c> and <c>If-None-Match</c> (nchan's message id). The
/// benchmark's nginx config answers with every buffered message, one per line (<c>nchan_longpoll_multipart_response raw</c>).
/// The first poll waits for the next message (<c>nchan_subscriber_first_message newest</c>).
/// </summary>
internal sealed class NchanLongPollSubscriber(HttpClient http, Uri uri, SubscriberStats stats) : IGatewaySubscriber
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ErrorDelay = TimeSpan.FromMilliseconds(200);

    private Task _loop = Task.CompletedTask;
    private string? _lastModified;
    private string? _etag;
    private int _state;

    public DeliveryLog Log { get; } = new();

    public SubscriberState State => (SubscriberState)Volatile.Read(ref _state);

    public Task ConnectAsync(CancellationToken connectTimeout, CancellationToken lifetime)
    {
        _loop = PollAsync(lifetime);
        return Task.CompletedTask;
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

    private async Task PollAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            SetState(SubscriberState.Receiving);
            var delay = TimeSpan.Zero;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(RequestTimeout);
                using var request = new HttpRequestMessage(HttpMethod.Get, uri);
                if (_lastModified is not null)
                {
                    request.Headers.TryAddWithoutValidation("If-Modified-Since", _lastModified);
                }

                if (_etag is not null)
                {
                    request.Headers.TryAddWithoutValidation("If-None-Match", _etag);
                }

                using var response = await http.SendAsync(request, timeout.Token);
                var body = await response.Content.ReadAsByteArrayAsync(timeout.Token);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    foreach (var line in body.AsSpan().Split((byte)'\n'))
                    {
                        if (EventPayload.TryParse(body.AsSpan()[line], out var payload))
                        {
                            Log.Record(payload);
                        }
                    }

                    _lastModified = response.Content.Headers.TryGetValues("Last-Modified", out var modified) ? modified.First() : _lastModified;
                    _etag = response.Headers.TryGetValues("Etag", out var etag) ? etag.First() : _etag;
                }
                else if (response.StatusCode != HttpStatusCode.NotModified && response.StatusCode != HttpStatusCode.RequestTimeout)
                {
                    stats.Reconnected();
                    delay = ErrorDelay;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
            {
                stats.Reconnected();
                delay = ErrorDelay;
            }

            if (delay > TimeSpan.Zero)
            {
                SetState(SubscriberState.WaitingToReconnect);
                try
                {
                    await Task.Delay(delay, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        SetState(SubscriberState.Stopped);
    }

    private void SetState(SubscriberState state) => Volatile.Write(ref _state, (int)state);
}
