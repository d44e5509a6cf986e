namespace EdgeGateway.Client.Wire;

/// <summary>The answer to <c>POST {path}/negotiate</c>, version 1 (docs/protocol.md, "Negotiate").</summary>
internal sealed record NegotiateResponse(
    int Version,
    IReadOnlyList<string>? Transports,
    string? Cursor,
    int HeartbeatMs,
    ReconnectAdvice? Reconnect,
    int PollIntervalMs,
    bool Upstream,
    int MaxMessageBytes,
    string? Error);
