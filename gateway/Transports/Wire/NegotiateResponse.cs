using System.Text.Json.Serialization;

namespace Gateway.Transports.Wire;

/// <summary>The answer to <c>POST {path}/negotiate</c> (version 1).</summary>
internal sealed record NegotiateResponse(
    int Version,
    IReadOnlyList<string> Transports,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Cursor, // null (not absent) with Error: docs/protocol.md
    int HeartbeatMs,
    ReconnectAdvice Reconnect)
{
    public int PollIntervalMs { get; init; }

    public bool Upstream { get; init; }

    public int MaxMessageBytes { get; init; }

    public string? Error { get; init; }
}

/// <summary>How clients back off: full jitter between 0 and min(maxMs, baseMs * 2^attempt).</summary>
internal sealed record ReconnectAdvice(int BaseMs, int MaxMs);
