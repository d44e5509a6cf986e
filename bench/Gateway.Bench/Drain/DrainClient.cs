using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text.Json;
using Gateway.Bench.Subscribers;

namespace Gateway.Bench.Drain;

/// <summary>
/// One client of the drain scenario, whatever its transport. It starts on instance A from a shared cursor, resumes from
/// its last id after every disconnect, and moves to instance B for good when A says it is draining (reconnect frame or
/// close 1012, <c>gateway.reconnect</c>, a poll's <c>"reconnect"</c>, a 503). It waits what it is told, plus up to 50 %
/// jitter, and backs off with full jitter after errors. Its <see cref="DeliveryLog"/> deduplicates by sequence and counts
/// the duplicates it dropped and anything out of order after that.
/// </summary>
internal abstract class DrainClient(Uri instanceA, Uri instanceB, string path, string cursor)
{
    private static readonly TimeSpan BaseBackoff = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan DefaultRetry = TimeSpan.FromSeconds(1);

    private volatile bool _ready;
    private volatile bool _onB;

    public abstract string Transport { get; }

    public DeliveryLog Log { get; } = new();

    /// <summary>Its first exchange worked (a stream opened, a poll answered).</summary>
    public bool Ready => _ready;

    public bool OnB => _onB;

    /// <summary><see cref="Stopwatch"/> timestamp of the first exchange that worked on B; 0 while it has none.</summary>
    public long ArrivedOnB { get; private set; }

    public int Advised { get; private set; }

    public int RateLimited { get; private set; }

    public int Unavailable { get; private set; }

    public int Failures { get; private set; }

    public int Resets { get; private set; }

    protected string Cursor { get; set; } = cursor;

    protected string Path => path;

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var onB = _onB;
            Exchange exchange;
            try
            {
                exchange = await ExchangeAsync(onB ? instanceB : instanceA, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or WebSocketException or OperationCanceledException or JsonException)
            {
                exchange = Exchange.Failed;
            }

            TimeSpan delay;
            switch (exchange.Kind)
            {
                case ExchangeKind.Continue:
                    failures = 0;
                    delay = exchange.Delay;
                    break;
                case ExchangeKind.Advised or ExchangeKind.Refused:
                    failures = 0;
                    Count(exchange);
                    delay = exchange.Delay * (1 + (Random.Shared.NextDouble() * 0.5));
                    break;
                default:
                    Failures++;
                    delay = BaseBackoff * Math.Pow(2, Math.Min(failures++, 10));
                    delay = (delay < MaxBackoff ? delay : MaxBackoff) * Random.Shared.NextDouble();
                    break;
            }

            if (exchange.Draining && !onB)
            {
                _onB = true;
            }

            try
            {
                await Task.Delay(delay, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One connection (until the stream ends) or one poll against <paramref name="instance"/>.</summary>
    protected abstract Task<Exchange> ExchangeAsync(Uri instance, CancellationToken cancellationToken);

    /// <summary>The exchange works: a session opened or a poll was answered.</summary>
    protected void Succeeded()
    {
        _ready = true;
        if (_onB && ArrivedOnB == 0)
        {
            ArrivedOnB = Stopwatch.GetTimestamp();
        }
    }

    protected void Deliver(in EventPayload payload, string? id)
    {
        Log.Record(payload);
        if (id is { Length: > 0 })
        {
            Cursor = id;
        }
    }

    protected void Reset(string? cursor)
    {
        Resets++;
        if (cursor is { Length: > 0 })
        {
            Cursor = cursor;
        }
    }

    protected static TimeSpan RetryAfter(RetryConditionHeaderValue? header) =>
        header?.Delta is { } delta && delta > TimeSpan.Zero ? delta : DefaultRetry;

    protected static TimeSpan RetryAfter(IReadOnlyDictionary<string, IEnumerable<string>>? headers) =>
        headers is not null && headers.TryGetValue("Retry-After", out var values) && RetryConditionHeaderValue.TryParse(values.FirstOrDefault(), out var parsed)
            ? RetryAfter(parsed)
            : DefaultRetry;

    protected static TimeSpan Milliseconds(int ms) => ms > 0 ? TimeSpan.FromMilliseconds(ms) : DefaultRetry;

    private void Count(Exchange exchange)
    {
        if (exchange.Kind == ExchangeKind.Advised)
        {
            Advised++;
        }
        else if (exchange.Status == 503)
        {
            Unavailable++;
        }
        else
        {
            RateLimited++;
        }
    }
}
