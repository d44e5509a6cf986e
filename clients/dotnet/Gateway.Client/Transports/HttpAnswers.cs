using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using EdgeGateway.Client.Wire;

namespace EdgeGateway.Client.Transports;

/// <summary>Reads what an HTTP answer or failure means for a subscription (docs/protocol.md, "Refusals").</summary>
internal static class HttpAnswers
{
    /// <summary>
    /// A non-success answer to a connect request. 429/503 are refusals for now (retry after <c>Retry-After</c>); a
    /// transport the stream path will not take despite negotiate is unusable here; other 4xx are final; anything else
    /// (502/504 from an intermediary, a 3xx) means the transport does not get through.
    /// </summary>
    public static async Task<ConnectionOutcome> RefusalAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var error = await ReadErrorAsync(response, cancellationToken);
        var status = (int)response.StatusCode;
        var retryAfter = RetryAfter(response.Headers.RetryAfter, error);
        return status switch
        {
            429 => ConnectionOutcome.Reconnect(error?.Error ?? "rate_limited", delivered: false, retryAfter) with { Throttled = retryAfter is not null },
            503 => ConnectionOutcome.Reconnect(error?.Error ?? "unavailable", delivered: false, retryAfter) with { Throttled = retryAfter is not null },
            400 when error?.Error is "transport_not_allowed" or "unknown_transport" or "websocket_upgrade_required" or "transport_required" =>
                ConnectionOutcome.FallBack(GatewayFallbackReason.Unsupported),
            408 => ConnectionOutcome.FallBack(GatewayFallbackReason.Timeout),
            >= 400 and < 500 => ConnectionOutcome.Fail(Exception(response, error)),
            _ => ConnectionOutcome.FallBack(GatewayFallbackReason.Error),
        };
    }

    public static GatewayException Exception(HttpResponseMessage response, WireError? error) =>
        new($"The gateway answered {(int)response.StatusCode} {error?.Error ?? response.ReasonPhrase}{(error?.Message is { } m ? ": " + m : string.Empty)} for {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.AbsolutePath}.")
        {
            StatusCode = (int)response.StatusCode,
            Error = error?.Error,
            RetryAfter = RetryAfter(response.Headers.RetryAfter, error),
        };

    /// <summary>The gateway's JSON error body, or null when the answer has none (an intermediary's HTML page, say).</summary>
    public static async Task<WireError?> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentType?.MediaType is not "application/json" || response.Content.Headers.ContentLength > 64 * 1024)
        {
            return null;
        }

        try
        {
            return await response.Content.ReadFromJsonAsync(ClientJsonContext.Default.WireError, cancellationToken);
        }
        catch (Exception ex) when (ex is JsonException or IOException or HttpRequestException)
        {
            return null;
        }
    }

    public static TimeSpan? RetryAfter(RetryConditionHeaderValue? header, WireError? error)
    {
        if (header?.Delta is { } delta)
        {
            return delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - DateTimeOffset.UtcNow;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return error?.RetryAfterSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null;
    }

    /// <summary>Seconds or an HTTP date, as a WebSocket handshake's response headers carry it.</summary>
    public static TimeSpan? RetryAfter(IReadOnlyDictionary<string, IEnumerable<string>>? headers)
    {
        if (headers is null || !headers.TryGetValue("Retry-After", out var values))
        {
            return null;
        }

        return RetryConditionHeaderValue.TryParse(values.FirstOrDefault(), out var parsed) ? RetryAfter(parsed, null) : null;
    }

    /// <summary>
    /// True when the gateway could not be reached at all (connection refused, name not resolved): the gateway is down or
    /// restarting, which says nothing about the transport, so the client backs off instead of falling back.
    /// </summary>
    public static bool IsUnreachable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError })
            {
                return true;
            }

            if (e is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostNotFound or SocketError.HostUnreachable or SocketError.NetworkUnreachable })
            {
                return true;
            }
        }

        return false;
    }

    public static bool IsSuccess(HttpStatusCode status) => (int)status is >= 200 and < 300;
}
