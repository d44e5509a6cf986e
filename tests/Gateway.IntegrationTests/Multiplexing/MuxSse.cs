using System.Net.ServerSentEvents;
using System.Text.Json;

namespace Gateway.IntegrationTests.Multiplexing;

/// <summary>A raw client of <c>/_gateway/stream</c> over SSE (HttpClient and the platform's SSE parser).</summary>
internal sealed class MuxSse : IAsyncDisposable
{
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };
    private HttpResponseMessage? _response;
    private IAsyncEnumerator<SseItem<string>>? _items;

    public List<SseItem<string>> Items { get; } = [];

    /// <summary>The last <c>id:</c> seen, what <c>EventSource</c> would send as <c>Last-Event-ID</c>.</summary>
    public string? LastEventId { get; private set; }

    public static async Task<MuxSse> OpenAsync(string baseUrl, IEnumerable<string> paths, string? lastEventId = null, string? token = null)
    {
        var sse = new MuxSse();
        var query = string.Join("&", paths.Select(p => "subscribe=" + Uri.EscapeDataString(p)));
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{baseUrl}/_gateway/stream?{query}{(token is null ? string.Empty : "&access_token=" + token)}");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is not null)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
        }

        using var cts = new CancellationTokenSource(MuxGateway.Timeout);
        sse._response = await sse._http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        sse._response.EnsureSuccessStatusCode();
        var body = await sse._response.Content.ReadAsStreamAsync(cts.Token);
        sse._items = SseParser.Create(body).EnumerateAsync().GetAsyncEnumerator();
        return sse;
    }

    public async Task<List<SseItem<string>>> ReadUntilAsync(Func<List<SseItem<string>>, bool> until, string what)
    {
        using var cts = new CancellationTokenSource(MuxGateway.Timeout);
        while (!until(Items))
        {
            var next = _items!.MoveNextAsync().AsTask();
            if (await Task.WhenAny(next, Task.Delay(Timeout.Infinite, cts.Token).ContinueWith(_ => { }, TaskScheduler.Default)) != next)
            {
                throw new TimeoutException($"Timed out waiting for {what}; items: {Describe()}");
            }

            if (!await next)
            {
                throw new InvalidOperationException($"The stream ended while waiting for {what}; items: {Describe()}");
            }

            var item = _items.Current;
            if (item.EventId is { Length: > 0 } id)
            {
                LastEventId = id;
            }

            Items.Add(item);
        }

        return Items;
    }

    /// <summary>The events of one path: (the subject's id, the payload as JSON text).</summary>
    public static List<(string Id, string Data)> Events(List<SseItem<string>> items, string path) =>
        [.. items.Where(i => !i.EventType.StartsWith("gateway.", StringComparison.Ordinal))
            .Select(i => JsonDocument.Parse(i.Data).RootElement)
            .Where(d => d.GetProperty("path").GetString() == path)
            .Select(d => (d.GetProperty("id").GetString()!, d.GetProperty("data").GetRawText()))];

    public Task<List<SseItem<string>>> ReadEventsAsync(string path, int count) => ReadUntilAsync(i => Events(i, path).Count >= count, $"{count} events of {path}");

    public string Describe() => string.Join(" | ", Items.Select(i => $"[{i.EventId}] {i.EventType}: {i.Data}"));

    public async ValueTask DisposeAsync()
    {
        if (_items is not null)
        {
            try
            {
                await _items.DisposeAsync();
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or HttpRequestException)
            {
                // Cut on purpose.
            }
        }

        _response?.Dispose();
        _http.Dispose();
    }
}
