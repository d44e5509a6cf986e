using System.Diagnostics;
using System.Net;

namespace Gateway.Bench.Drain;

/// <summary>
/// Short polling: <c>GET {path}?transport=polling&amp;cursor=ID</c> once a second, with <c>If-None-Match</c> when the
/// last ETag is its own cursor (a capped batch's ETag is not the head, so sending it then would hide the rest; the
/// browser client does the same). 304 = nothing new; a drain gives 503 + <c>Retry-After</c>.
/// </summary>
internal sealed class ShortPollDrainClient(HttpClient http, Uri instanceA, Uri instanceB, string path, string cursor) : DrainClient(instanceA, instanceB, path, cursor)
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(15);

    private string? _etag;

    public override string Transport => "polling";

    protected override async Task<Exchange> ExchangeAsync(Uri instance, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(instance, $"{Path}?transport=polling&cursor={Uri.EscapeDataString(Cursor)}"));
        if (_etag is not null && _etag == $"\"{Cursor}\"")
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", _etag);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RequestTimeout);
        using var response = await http.SendAsync(request, timeout.Token);
        var body = await response.Content.ReadAsByteArrayAsync(timeout.Token);
        if ((int)response.StatusCode is 429 or 503)
        {
            return Exchange.Refused((int)response.StatusCode, RetryAfter(response.Headers.RetryAfter), ControlFields.Parse(body).IsDraining);
        }

        if (response.StatusCode == HttpStatusCode.NotModified)
        {
            Succeeded();
            return Next(started);
        }

        if (!response.IsSuccessStatusCode)
        {
            return Exchange.Failed;
        }

        var answer = PollAnswer.Parse(body);
        if (answer.Reconnect is { } advice)
        {
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
        _etag = response.Headers.ETag?.ToString();
        return Next(started);
    }

    private static Exchange Next(long started)
    {
        var elapsed = Stopwatch.GetElapsedTime(started);
        return Exchange.Continue(elapsed < Interval ? Interval - elapsed : TimeSpan.Zero);
    }
}
