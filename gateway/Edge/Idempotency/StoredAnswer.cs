using Microsoft.Net.Http.Headers;

namespace Gateway.Edge.Idempotency;

/// <summary>What of a response is stored, and how a stored response is replayed.</summary>
internal static class StoredAnswer
{
    /// <summary>
    /// The headers that describe the representation and the outcome. Hop-by-hop and per-response headers (Date,
    /// Connection, Content-Length, Set-Cookie, ...) are not replayed.
    /// </summary>
    private static readonly string[] Kept =
    [
        HeaderNames.ContentType, HeaderNames.ContentEncoding, HeaderNames.ContentLanguage, HeaderNames.ContentLocation,
        HeaderNames.Location, HeaderNames.ETag, HeaderNames.LastModified, HeaderNames.CacheControl, HeaderNames.Expires,
        HeaderNames.Vary, HeaderNames.Link,
    ];

    public static Dictionary<string, string[]> Capture(IHeaderDictionary headers)
    {
        var kept = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in Kept)
        {
            if (headers.TryGetValue(name, out var values) && values.Count > 0)
            {
                kept[name] = values.ToArray()!;
            }
        }

        return kept;
    }

    public static async Task WriteAsync(HttpResponse response, IdempotencyRecord record, CancellationToken cancellationToken)
    {
        response.StatusCode = record.Status;
        foreach (var (name, values) in record.Headers ?? [])
        {
            response.Headers[name] = values;
        }

        response.Headers[IdempotencyKeys.ReplayedHeader] = "true";
        var body = record.Body ?? [];
        response.ContentLength = body.Length;
        if (body.Length > 0)
        {
            await response.Body.WriteAsync(body, cancellationToken);
        }
    }
}
