using Gateway.Sessions;

namespace Gateway.Multiplexing;

/// <summary>What a stream request names in its URL: the paths (<c>?subscribe=</c>, repeated) and the composite cursor.</summary>
internal static class StreamRequest
{
    /// <summary>The subscribed paths in order, without duplicates; null (after counting) when there are more than <paramref name="max"/>.</summary>
    public static List<string>? Paths(HttpContext http, int max)
    {
        var result = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in http.Request.Query["subscribe"])
        {
            if (string.IsNullOrEmpty(path) || !seen.Add(path))
            {
                continue;
            }

            if (result.Count == max)
            {
                return null;
            }

            result.Add(path);
        }

        return result;
    }

    /// <summary>The composite cursor, by whichever name the transport uses (<c>Last-Event-ID</c>, <c>?lastEventId=</c>, <c>?cursor=</c>).</summary>
    public static string? CursorText(HttpContext http)
    {
        var request = http.Request;
        if (request.Headers.TryGetValue("Last-Event-ID", out var header) && !string.IsNullOrEmpty(header))
        {
            return header.ToString();
        }

        if (request.Query.TryGetValue("cursor", out var cursor) && !string.IsNullOrEmpty(cursor))
        {
            return cursor.ToString();
        }

        return request.Query.TryGetValue("lastEventId", out var last) && !string.IsNullOrEmpty(last) ? last.ToString() : null;
    }

    /// <summary>
    /// The single-route cursor text of each path in a composite cursor: the path's own cursor, none (start from now) when
    /// the composite has no entry for it, and a malformed one (a reset) when the composite does not parse or two of the
    /// paths share a key, so a client is told rather than silently resumed from the wrong place.
    /// </summary>
    public static Dictionary<string, string?> CursorsFor(IReadOnlyList<string> paths, string? composite, int maxLength)
    {
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        var parse = CompositeCursor.Parse(composite, maxLength, out var cursors);
        var keys = paths.Select(CompositeCursor.Key).ToList();
        for (var i = 0; i < paths.Count; i++)
        {
            var shared = keys.Count(k => k == keys[i]) > 1;
            result[paths[i]] = parse switch
            {
                CursorParse.Absent => null,
                CursorParse.Valid when shared && cursors.ContainsKey(keys[i]) => Malformed,
                CursorParse.Valid => cursors.TryGetValue(keys[i], out var c) ? c.ToString() : null,
                _ => Malformed,
            };
        }

        return result;
    }

    /// <summary>A cursor no topic can serve: the session answers it with a reset.</summary>
    public const string Malformed = "malformed-0";
}
