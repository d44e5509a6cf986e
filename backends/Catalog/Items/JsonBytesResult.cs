namespace Backends.Catalog.Items;

/// <summary>Writes JSON that is already encoded, byte for byte, with the given status code.</summary>
internal sealed class JsonBytesResult(byte[] body, int statusCode = StatusCodes.Status200OK) : IResult
{
    public Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = statusCode;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body, httpContext.RequestAborted).AsTask();
    }
}
