namespace EdgeGateway.Client;

/// <summary>
/// The gateway refused for good (a subscription that will not be retried) or refused one message. <see cref="Error"/> is
/// the wire error code (<c>invalid_route_value</c>, <c>upstream_not_allowed</c> ...) when the gateway gave one.
/// </summary>
public sealed class GatewayException : Exception
{
    /// <summary>Creates an exception without details.</summary>
    public GatewayException()
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public GatewayException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and its cause.</summary>
    public GatewayException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The wire error code, when the gateway sent one.</summary>
    public string? Error { get; init; }

    /// <summary>The HTTP status of the refusal, when it was an HTTP answer.</summary>
    public int? StatusCode { get; init; }

    /// <summary>The WebSocket close code, when the gateway closed the socket (1008, 1009, 4401, 4403 ...).</summary>
    public int? CloseCode { get; init; }

    /// <summary>For a refused message that may be retried (rate limit, broker down): when.</summary>
    public TimeSpan? RetryAfter { get; init; }
}
