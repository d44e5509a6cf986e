using System.Net.ServerSentEvents;
using Gateway.Bench.Subscribers;

namespace Gateway.Bench.Drain;

/// <summary>
/// Server-Sent Events: <c>GET {path}</c> with <c>Accept: text/event-stream</c> and <c>Last-Event-ID</c>. A drain, like
/// any refusal, is a <c>gateway.reconnect</c> event (after a <c>retry:</c> line) and the end of the stream.
/// </summary>
internal sealed class SseDrainClient(HttpClient http, Uri instanceA, Uri instanceB, string path, string cursor) : DrainClient(instanceA, instanceB, path, cursor)
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(15);

    public override string Transport => "sse";

    protected override async Task<Exchange> ExchangeAsync(Uri instance, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(instance, Path));
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.TryAddWithoutValidation("Last-Event-ID", Cursor);
        HttpResponseMessage response;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(ConnectTimeout);
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        }

        using (response)
        {
            if ((int)response.StatusCode is 429 or 503)
            {
                var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                return Exchange.Refused((int)response.StatusCode, RetryAfter(response.Headers.RetryAfter), ControlFields.Parse(body).IsDraining);
            }

            if (!response.IsSuccessStatusCode)
            {
                return Exchange.Failed;
            }

            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            var parser = SseParser.Create(stream, static (_, data) => data.ToArray());
            ControlFields? advice = null;
            var opened = false;
            await foreach (var item in parser.EnumerateAsync(cancellationToken))
            {
                switch (item.EventType)
                {
                    case "message" when EventPayload.TryParse(item.Data, out var payload):
                        if (!opened)
                        {
                            opened = true;
                            Succeeded();
                        }

                        Deliver(payload, parser.LastEventId);
                        break;
                    case "gateway.reconnect":
                        advice = ControlFields.Parse(item.Data);
                        break;
                    case "gateway.reset":
                        Reset(parser.LastEventId);
                        break;
                }
            }

            return advice is { } a ? Exchange.Advised(Milliseconds(a.RetryMs), a.IsDraining) : Exchange.Failed;
        }
    }
}
