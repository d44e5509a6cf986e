namespace EdgeGateway.Client.Wire;

/// <summary>
/// "Come back later": the WebSocket <c>reconnect</c> frame, the SSE <c>gateway.reconnect</c> data and a poll's
/// <c>reconnect</c> field all carry this shape (drain, transport switched off, token expiring, rate limit).
/// </summary>
internal sealed record ServerReconnect(string? Reason, long RetryMs);
