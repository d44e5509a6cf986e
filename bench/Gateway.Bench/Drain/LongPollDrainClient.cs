using System.Diagnostics;

namespace Gateway.Bench.Drain;

/// <summary>
/// Long polling: <c>GET {path}?transport=longpolling&amp;cursor=ID&amp;wait=30</c>, each answer's cursor the next request's.
/// Like the repository's clients, the first poll waits 1 s only (it proves the transport works) and polls start at most
/// every 250 ms, so a busy subject is batched. A drain ends a held poll with <c>"reconnect"</c>; a new poll gets 503.
/// </summary>
internal sealed class LongPollDrainClient(HttpClient http, Uri instanceA, Uri instanceB, string path, string cursor) : DrainClient(instanceA, instanceB, path, cursor)
{
    private const int WaitSeconds = 30;
    private static readonly TimeSpan MinSpacing = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(WaitSeconds + 15);

    private bool _probed;

    public override string Transport => "longpolling";

    protected override async Task<Exchange> ExchangeAsync(Uri instance, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var wait = _probed ? WaitSeconds : 1;
        var uri = new Uri(instance, $"{Path}?transport=longpolling&cursor={Uri.EscapeDataString(Cursor)}&wait={wait}");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RequestTimeout);
        using var response = await http.GetAsync(uri, timeout.Token);
        var body = await response.Content.ReadAsByteArrayAsync(timeout.Token);
        if ((int)response.StatusCode is 429 or 503)
        {
            return Exchange.Refused((int)response.StatusCode, RetryAfter(response.Headers.RetryAfter), ControlFields.Parse(body).IsDraining);
        }

        if (!response.IsSuccessStatusCode)
        {
            return Exchange.Failed;
        }

        _probed = true;
        var answer = PollAnswer.Parse(body);
        if (answer.Reconnect is { } advice)
        {
            Cursor = answer.Cursor ?? Cursor;
            return Exchange.Advised(Milliseconds(advice.RetryMs), advice.IsDraining);
        }

        Succeeded();
        foreach (var (payload, id) in answer.Events)
        {
            Deliver(payload, id);
        }

        if (answer.Reset)
        {
            Reset(answer.Cursor);
        }

        Cursor = answer.Cursor ?? Cursor;
        var elapsed = Stopwatch.GetElapsedTime(started);
        return Exchange.Continue(elapsed < MinSpacing ? MinSpacing - elapsed : TimeSpan.Zero);
    }
}
