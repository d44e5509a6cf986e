namespace Gateway.Bench.Drain;

/// <summary>How one exchange with the gateway (a streaming connection's life, or one poll) ended.</summary>
internal enum ExchangeKind
{
    /// <summary>Normal: poll again after the delay (polls), or the loop goes on.</summary>
    Continue,

    /// <summary>The gateway asked the client to reconnect (reconnect frame, <c>gateway.reconnect</c>, a poll's <c>"reconnect"</c>).</summary>
    Advised,

    /// <summary>The gateway refused the request: 429 or 503 with <c>Retry-After</c>.</summary>
    Refused,

    /// <summary>A network error, a timeout, or a stream that ended without advice.</summary>
    Failed,
}
