namespace Gateway.Transports.Wire;

/// <summary>The answer to an accepted publish (HTTP 202 or a WebSocket <c>ack</c> frame).</summary>
internal sealed record PublishAck(string Type, string? Ref, string Subject);
