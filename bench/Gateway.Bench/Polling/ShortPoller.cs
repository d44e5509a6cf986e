using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Gateway.Bench.Polling;

/// <summary>
/// A short poller as the clients behave: <c>GET {path}?transport=polling&amp;cursor=…</c> with <c>If-None-Match</c> set to
/// its cursor's ETag, then waits what <c>X-Poll-Interval</c> says. Counts only what happens while
/// <see cref="Measuring"/> is set, so the warm-up (the advisor's first look) stays out of the numbers.
/// </summary>
internal sealed class ShortPoller(HttpClient http, Uri stream)
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    private string? _cursor;

    public PollerStats Stats { get; } = new();

    public volatile bool Measuring;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // Start somewhere in the first second, as clients that arrived over time would.
        await Task.Delay(Random.Shared.Next(1000), cancellationToken);
        while (!cancellationToken.IsCancellationRequested)
        {
            var wait = TimeSpan.FromSeconds(1);
            var measuring = Measuring;
            try
            {
                var uri = new Uri(stream + "?transport=polling" + (_cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(_cursor)));
                using var request = new HttpRequestMessage(HttpMethod.Get, uri);
                if (_cursor is not null)
                {
                    request.Headers.TryAddWithoutValidation("If-None-Match", "\"" + _cursor + "\"");
                }

                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(RequestTimeout);
                using var response = await http.SendAsync(request, timeout.Token);
                if (response.Headers.TryGetValues("X-Poll-Interval", out var values) &&
                    double.TryParse(values.First(), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
                {
                    wait = TimeSpan.FromSeconds(seconds);
                    if (measuring)
                    {
                        Stats.Hint(seconds);
                    }
                }

                if (response.StatusCode == HttpStatusCode.OK)
                {
                    using var body = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync(timeout.Token));
                    _cursor = body.RootElement.GetProperty("cursor").GetString();
                    if (measuring)
                    {
                        Stats.Ok++;
                        Stats.Events += body.RootElement.GetProperty("events").GetArrayLength();
                    }
                }
                else if (response.StatusCode == HttpStatusCode.NotModified)
                {
                    if (measuring)
                    {
                        Stats.NotModified++;
                    }
                }
                else if (measuring)
                {
                    Stats.Failed++;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or JsonException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                if (measuring)
                {
                    Stats.Failed++;
                }
            }

            if (measuring)
            {
                Stats.Requests++;
            }

            await Task.Delay(wait, cancellationToken);
        }
    }
}
