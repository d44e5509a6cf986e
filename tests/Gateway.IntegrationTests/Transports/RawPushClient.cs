using System.Net;
using System.Net.ServerSentEvents;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Gateway.IntegrationTests.Transports;

/// <summary>
/// Speaks each transport with the plain platform clients (ClientWebSocket, HttpClient + SseParser, HttpClient polls)
/// and yields what arrives as <see cref="PushItem"/>s, so one scenario runs against all four transports.
/// </summary>
internal static class RawPushClient
{
    /// <summary>
    /// One stream of <paramref name="transport"/>. An <c>https://</c> <paramref name="baseUrl"/> trusts the tests' own
    /// self-signed certificate; <paramref name="httpVersion"/> 2.0 asks for HTTP/2 exactly (WebSocket: RFC 8441).
    /// </summary>
    public static IAsyncEnumerable<PushItem> StreamAsync(string transport, string baseUrl, string path, string? cursor, CancellationToken ct, Version? httpVersion = null) => transport switch
    {
        "websocket" => WebSocketAsync(baseUrl, path, cursor, ct, httpVersion),
        "sse" => SseAsync(baseUrl, path, cursor, ct, httpVersion),
        "longpolling" => PollAsync(baseUrl, path, cursor, "longpolling", ct, httpVersion),
        "polling" => PollAsync(baseUrl, path, cursor, "polling", ct, httpVersion),
        _ => throw new ArgumentOutOfRangeException(nameof(transport)),
    };

    /// <summary>An HTTP client for <paramref name="baseUrl"/> at <paramref name="httpVersion"/> (default 1.1), trusting the tests' certificate.</summary>
    public static HttpClient CreateHttpClient(string baseUrl, Version? httpVersion, TimeSpan timeout) => new(CreateHandler(baseUrl))
    {
        Timeout = timeout,
        DefaultRequestVersion = httpVersion ?? HttpVersion.Version11,
        DefaultVersionPolicy = httpVersion is null ? HttpVersionPolicy.RequestVersionOrLower : HttpVersionPolicy.RequestVersionExact,
    };

    private static SocketsHttpHandler CreateHandler(string baseUrl)
    {
        var handler = new SocketsHttpHandler();
        if (baseUrl.StartsWith("https://", StringComparison.Ordinal))
        {
            handler.SslOptions.RemoteCertificateValidationCallback = static (_, certificate, _, _) => Gateway.Testing.TestCertificate.IsTestCertificate(certificate);
        }

        return handler;
    }

    /// <summary>Reads until <paramref name="until"/> holds for what was collected, or the timeout; returns everything seen.</summary>
    public static async Task<List<PushItem>> CollectAsync(IAsyncEnumerable<PushItem> stream, Func<List<PushItem>, bool> until, TimeSpan timeout)
    {
        var items = new List<PushItem>();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await foreach (var item in stream.WithCancellation(cts.Token))
            {
                items.Add(item);
                if (until(items))
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Our timeout, or the caller's token passed to the stream: either way, return what was seen.
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or WebSocketException)
        {
            items.Add(new PushItem(PushItemKind.Closed, null, null, null, Reason: ex.Message));
        }

        return items;
    }

    /// <summary>Collects <paramref name="count"/> events across reconnects, resuming from the last id each time; deduplicates.</summary>
    public static async Task<List<PushItem>> CollectResumingAsync(string transport, string baseUrl, string path, string? cursor, int count, TimeSpan timeout)
    {
        var events = new List<PushItem>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var deadline = DateTime.UtcNow + timeout;
        while (events.Count < count && DateTime.UtcNow < deadline)
        {
            var items = await CollectAsync(StreamAsync(transport, baseUrl, path, cursor, CancellationToken.None),
                got => events.Count + got.Count(i => i.Kind == PushItemKind.Event && !seen.Contains(i.Id!)) >= count || got[^1].Kind is PushItemKind.Closed or PushItemKind.Reconnect,
                deadline - DateTime.UtcNow);
            if (items.Count > 0 && items[^1].Kind is PushItemKind.Closed or PushItemKind.Reconnect)
            {
                await Task.Delay(Random.Shared.Next(50, 250));
            }

            foreach (var item in items)
            {
                if (item.Kind == PushItemKind.Event && seen.Add(item.Id!))
                {
                    events.Add(item);
                    cursor = item.Id;
                }
                else if (item.Kind == PushItemKind.Reset)
                {
                    throw new InvalidOperationException("The stream was reset: events were lost.");
                }
            }
        }

        return events;
    }

    /// <summary>
    /// Follows a stream across reconnect advice, closes and refusals, moving to the next base URL each time (a stand-in
    /// for a front), resuming from the last id and dropping duplicates, until <paramref name="ct"/> is cancelled.
    /// </summary>
    public static FollowingClient FollowAsync(string transport, string[] baseUrls, string path, string? cursor, CancellationToken ct)
    {
        var client = new FollowingClient();
        client.Completion = Task.Run(async () =>
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var next = 0;
            while (!ct.IsCancellationRequested)
            {
                var url = baseUrls[next % baseUrls.Length];
                try
                {
                    await foreach (var item in StreamAsync(transport, url, path, cursor, ct))
                    {
                        if (item.Kind == PushItemKind.Event && seen.Add(item.Id!))
                        {
                            lock (client.Received)
                            {
                                client.Received.Add(item);
                            }

                            cursor = item.Id;
                        }
                        else if (item.Kind == PushItemKind.Reset)
                        {
                            lock (client.Received)
                            {
                                client.Received.Add(item);
                            }
                        }
                        else if (item.Kind is PushItemKind.Reconnect or PushItemKind.Closed)
                        {
                            break;
                        }
                    }
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex) when (ex is HttpRequestException or IOException or System.Net.WebSockets.WebSocketException or System.Text.Json.JsonException)
                {
                }

                next++;
                try
                {
                    await Task.Delay(Random.Shared.Next(100, 600), ct);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }, CancellationToken.None);
        return client;
    }

    public static async IAsyncEnumerable<PushItem> WebSocketAsync(string baseUrl, string path, string? cursor, [EnumeratorCancellation] CancellationToken ct, Version? httpVersion = null)
    {
        using var ws = new ClientWebSocket();
        var uri = new Uri("ws" + baseUrl[4..] + path + (cursor is null ? string.Empty : (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "cursor=" + Uri.EscapeDataString(cursor)));
        if (httpVersion is null && uri.Scheme == "ws")
        {
            await ws.ConnectAsync(uri, ct);
        }
        else
        {
            ws.Options.HttpVersion = httpVersion ?? HttpVersion.Version11;
            ws.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
            using var invoker = new HttpMessageInvoker(CreateHandler(baseUrl));
            await ws.ConnectAsync(uri, invoker, ct);
        }

        var buffer = new byte[1 << 20];
        while (true)
        {
            var length = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                result = await ws.ReceiveAsync(buffer.AsMemory(length), ct);
                length += result.Count;
            }
            while (!result.EndOfMessage);

            if (result.MessageType == WebSocketMessageType.Close)
            {
                yield return new PushItem(PushItemKind.Closed, null, null, null, Reason: $"{(int?)ws.CloseStatus} {ws.CloseStatusDescription}");
                yield break;
            }

            yield return FromJson(JsonDocument.Parse(buffer.AsMemory(0, length)).RootElement);
        }
    }

    public static async IAsyncEnumerable<PushItem> SseAsync(string baseUrl, string path, string? cursor, [EnumeratorCancellation] CancellationToken ct, Version? httpVersion = null)
    {
        using var http = CreateHttpClient(baseUrl, httpVersion, Timeout.InfiniteTimeSpan);
        using var request = new HttpRequestMessage(HttpMethod.Get, baseUrl + path);
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (cursor is not null)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", cursor);
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            yield return new PushItem(PushItemKind.Closed, null, null, null, Reason: ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
            yield break;
        }

        await using var body = await response.Content.ReadAsStreamAsync(ct);
        await foreach (var item in SseParser.Create(body).EnumerateAsync(ct))
        {
            yield return item.EventType switch
            {
                "gateway.reset" => new PushItem(PushItemKind.Reset, item.EventId, item.EventType, item.Data, Cursor: item.EventId),
                "gateway.gap" => new PushItem(PushItemKind.Gap, item.EventId, item.EventType, item.Data, Cursor: item.EventId),
                "gateway.reconnect" => new PushItem(PushItemKind.Reconnect, null, item.EventType, item.Data, Reason: JsonDocument.Parse(item.Data).RootElement.GetProperty("reason").GetString()),
                _ => new PushItem(PushItemKind.Event, item.EventId, item.EventType, DecodeSseData(item.Data)),
            };
        }

        yield return new PushItem(PushItemKind.Closed, null, null, null, Reason: "end of stream");
    }

    public static async IAsyncEnumerable<PushItem> PollAsync(string baseUrl, string path, string? cursor, string transport, [EnumeratorCancellation] CancellationToken ct, Version? httpVersion = null)
    {
        using var http = CreateHttpClient(baseUrl, httpVersion, TimeSpan.FromSeconds(70));
        while (true)
        {
            var url = $"{baseUrl}{path}{(path.Contains('?', StringComparison.Ordinal) ? "&" : "?")}transport={transport}&wait=1" + (cursor is null ? string.Empty : "&cursor=" + Uri.EscapeDataString(cursor));
            using var response = await http.GetAsync(url, ct);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                yield return new PushItem(PushItemKind.Closed, null, null, null, Reason: ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
                yield break;
            }

            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            var root = doc.RootElement;
            cursor = root.GetProperty("cursor").GetString();
            if (root.TryGetProperty("reset", out var reset) && reset.GetBoolean())
            {
                yield return new PushItem(PushItemKind.Reset, cursor, null, null, Cursor: cursor);
            }

            var events = root.GetProperty("events");
            foreach (var e in events.EnumerateArray())
            {
                yield return FromJson(e);
            }

            if (root.TryGetProperty("reconnect", out var reconnect))
            {
                yield return new PushItem(PushItemKind.Reconnect, null, null, null, Reason: reconnect.GetProperty("reason").GetString());
                yield break;
            }

            if (events.GetArrayLength() == 0)
            {
                // An empty answer is the polls' keep-alive: the connection is alive and nothing is new.
                yield return new PushItem(PushItemKind.Heartbeat, null, null, null, Cursor: cursor);
                if (transport == "polling")
                {
                    await Task.Delay(50, ct);
                }
            }
        }
    }

    private static PushItem FromJson(JsonElement e)
    {
        var type = e.GetProperty("type").GetString();
        return type switch
        {
            "event" => new PushItem(PushItemKind.Event, e.GetProperty("id").GetString(), e.GetProperty("event").GetString(),
                e.GetProperty("data").ValueKind == JsonValueKind.String ? e.GetProperty("data").GetString() : e.GetProperty("data").GetRawText()),
            "reset" => new PushItem(PushItemKind.Reset, null, null, null, Cursor: e.GetProperty("cursor").GetString()),
            "gap" => new PushItem(PushItemKind.Gap, null, null, null, Cursor: e.GetProperty("cursor").GetString()),
            "heartbeat" => new PushItem(PushItemKind.Heartbeat, null, null, null),
            "reconnect" => new PushItem(PushItemKind.Reconnect, null, null, null, Reason: e.GetProperty("reason").GetString()),
            _ => new PushItem(PushItemKind.Closed, null, type, e.GetRawText()),
        };
    }

    /// <summary>SSE data is JSON text; a string payload comes as a JSON string literal.</summary>
    private static string DecodeSseData(string data)
    {
        using var doc = JsonDocument.Parse(data);
        return doc.RootElement.ValueKind == JsonValueKind.String ? doc.RootElement.GetString()! : data;
    }

    internal static string Utf8(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);
}
