namespace EdgeGateway.Client.Wire;

/// <summary>The cursor could not be served; delivery continues from <see cref="Cursor"/> (WebSocket <c>reset</c> frame, SSE <c>gateway.reset</c> data).</summary>
internal sealed record ResetNotice(string? Cursor);
