namespace EdgeGateway.Client.Wire;

/// <summary>Events skipped for this subscriber (drop-oldest routes): the WebSocket <c>gap</c> frame, SSE <c>gateway.gap</c> data, a poll's <c>gap</c>.</summary>
internal sealed record GapNotice(string? Cursor, long Skipped);
