using System.Globalization;
using Gateway.Transports.Wire;

namespace Gateway.Transports;

/// <summary>Writes the gateway's own error answers: a status, a JSON body, and <c>Retry-After</c> where it applies.</summary>
internal static class WireErrors
{
    public static Task WriteAsync(HttpContext context, int status, string error, string message, IReadOnlyList<string>? allowed = null, TimeSpan? retryAfter = null)
    {
        context.Response.StatusCode = status;
        context.Response.Headers.CacheControl = "no-store";
        int? seconds = null;
        if (retryAfter is { } r)
        {
            seconds = Math.Max(1, (int)Math.Ceiling(r.TotalSeconds));
            context.Response.Headers.RetryAfter = seconds.Value.ToString(CultureInfo.InvariantCulture);
        }

        return context.Response.WriteAsJsonAsync(
            new ErrorResponse(error, message) { Allowed = allowed, RetryAfterSeconds = seconds },
            GatewayJsonContext.Default.ErrorResponse,
            contentType: "application/json");
    }
}
