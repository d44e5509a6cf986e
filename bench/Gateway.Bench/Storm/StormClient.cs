using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.WebSockets;

namespace Gateway.Bench.Storm;

/// <summary>
/// One WebSocket client of the storm: connects, and when refused (<c>429</c> + <c>Retry-After</c>, read with
/// <c>CollectHttpResponseDetails</c>) waits a uniformly random part of the advised delay (full jitter) and tries again;
/// after a network error it backs off with full-jitter exponential delays. Once in, it holds the socket and reads
/// (heartbeats, pings) until the scenario ends; a socket the server closes is counted and reopened.
/// </summary>
internal sealed class StormClient(Uri uri)
{
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan BaseBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromSeconds(1);

    private long _connectedAt;

    /// <summary><see cref="Stopwatch"/> timestamp of the first successful upgrade; 0 while there is none.</summary>
    public long ConnectedAt => Interlocked.Read(ref _connectedAt);

    public int Attempts { get; private set; }

    public int Refused { get; private set; }

    public int Errors { get; private set; }

    /// <summary>Sockets the server closed after the upgrade succeeded.</summary>
    public int Dropped { get; private set; }

    public async Task RunAsync(CancellationToken lifetime)
    {
        var failures = 0;
        var buffer = new byte[256];
        while (!lifetime.IsCancellationRequested)
        {
            using var socket = new ClientWebSocket();
            socket.Options.CollectHttpResponseDetails = true;
            TimeSpan delay;
            try
            {
                Attempts++;
                using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(lifetime))
                {
                    timeout.CancelAfter(AttemptTimeout);
                    await socket.ConnectAsync(uri, timeout.Token);
                }

                failures = 0;
                Interlocked.CompareExchange(ref _connectedAt, Stopwatch.GetTimestamp(), 0);
                while (true)
                {
                    var result = await socket.ReceiveAsync(buffer.AsMemory(), lifetime);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        break;
                    }
                }

                Dropped++;
                delay = Backoff(failures++);
            }
            catch (OperationCanceledException) when (lifetime.IsCancellationRequested)
            {
                return;
            }
            catch (WebSocketException) when ((int)socket.HttpStatusCode == 429)
            {
                Refused++;
                delay = RetryAfter(socket.HttpResponseHeaders) * Random.Shared.NextDouble();
            }
            catch (Exception ex) when (ex is WebSocketException or HttpRequestException or IOException or OperationCanceledException)
            {
                Errors++;
                delay = Backoff(failures++);
            }

            try
            {
                await Task.Delay(delay, lifetime);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static TimeSpan Backoff(int failures)
    {
        var cap = BaseBackoff * Math.Pow(2, Math.Min(failures, 10));
        return (cap < MaxBackoff ? cap : MaxBackoff) * Random.Shared.NextDouble();
    }

    private static TimeSpan RetryAfter(IReadOnlyDictionary<string, IEnumerable<string>>? headers) =>
        headers is not null && headers.TryGetValue("Retry-After", out var values) &&
        RetryConditionHeaderValue.TryParse(values.FirstOrDefault(), out var parsed) && parsed.Delta is { } delta && delta > TimeSpan.Zero
            ? delta
            : DefaultRetryAfter;
}
