namespace EdgeGateway.Client.Wire;

/// <summary>A long or short poll answer: <c>{"events":[...],"cursor":"..."}</c> plus <c>reset</c>, <c>gap</c> or <c>reconnect</c>.</summary>
internal sealed record PollResponse(IReadOnlyList<WireEvent>? Events, string? Cursor, bool Reset, GapNotice? Gap, ServerReconnect? Reconnect);
