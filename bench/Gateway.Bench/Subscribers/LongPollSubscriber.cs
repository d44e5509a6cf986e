using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Bench.Drain;

namespace Gateway.Bench.Subscribers;

/// <summary>
/// A long-polling client of the gateway: a cursor from <c>POST {path}/negotiate</c>, then
/// <c>GET {path}?transport=longpolling&amp;cursor=ID&amp;wait=30</c> back to back, each answer's cursor the next request's
/// (docs/protocol.md). A 429 or 503 is retried after its <c>Retry-After</c>; nothing is lost while the cursor is served.
/// </summary>
internal sealed class LongPollSubscriber(HttpClient http, Uri path, SubscriberStats stats) : IGatewaySubscriber
{
    private const int WaitSeconds = 30;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(WaitSeconds + 15);
    private static readonly TimeSpan ErrorDelay = TimeSpan.FromMilliseconds(200);

    private Task _loop = Task.CompletedTask;
    private string _cursor = "";
    private int _state;

    public DeliveryLog Log { get; } = new();

    public SubscriberState State => (SubscriberState)Volatile.Read(ref _state);

    public async Task ConnectAsync(CancellationToken connectTimeout, CancellationToken lifetime)
    {
        using var response = await http.PostAsync(new Uri(path + "/negotiate"), content: null, connectTimeout);
        response.EnsureSuccessStatusCode();
        using var negotiated = await response.Content.ReadFromJsonAsync<JsonDocument>(connectTimeout);
        _cursor = negotiated?.RootElement.GetProperty("cursor").GetString() ?? throw new HttpRequestException("negotiate answered no cursor.");
        _loop = PollAsync(lifetime);
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
                using var response = await http.GetAsync(new Uri($"{path}?transport=longpolling&cursor={Uri.EscapeDataString(_cursor)}&wait={WaitSeconds}"), timeout.Token);
                var body = await response.Content.ReadAsByteArrayAsync(timeout.Token);
                if (!response.IsSuccessStatusCode)
                {
                    delay = response.Headers.RetryAfter?.Delta ?? ErrorDelay;
                    stats.Reconnected();
                }
                else
                {
                    var answer = PollAnswer.Parse(body);
                    foreach (var (payload, _) in answer.Events)
                    {
                        Log.Record(payload);
                    }

                    if (answer.Reset)
                    {
                        stats.Reset();
                    }

                    if (answer.Reconnect is not null)
                    {
                        stats.AdvisedToReconnect();
                        delay = ErrorDelay;
                    }

                    _cursor = answer.Cursor ?? _cursor;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException or JsonException)
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
