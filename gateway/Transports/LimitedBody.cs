namespace Gateway.Transports;

/// <summary>Reads a request body up to a limit; a larger body is answered 413 and never held whole in memory.</summary>
internal static class LimitedBody
{
    /// <summary>The body, or null after answering 413 when it is larger than <paramref name="max"/> bytes.</summary>
    public static async Task<byte[]?> ReadAsync(HttpContext http, int max)
    {
        if (http.Request.ContentLength > max)
        {
            await WireErrors.WriteAsync(http, 413, "message_too_big", $"The body exceeds {max} bytes.");
            return null;
        }

        using var body = new MemoryStream();
        var buffer = new byte[8192];
        int read;
        while ((read = await http.Request.Body.ReadAsync(buffer, http.RequestAborted)) > 0)
        {
            if (body.Length + read > max)
            {
                await WireErrors.WriteAsync(http, 413, "message_too_big", $"The body exceeds {max} bytes.");
                return null;
            }

            body.Write(buffer, 0, read);
        }

        return body.ToArray();
    }
}
