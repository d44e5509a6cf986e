using System.Text.Json;

namespace EdgeGateway.Client.Wire;

/// <summary>An event item: a WebSocket event frame and an element of a poll answer's <c>events</c>.</summary>
internal sealed record WireEvent(string? Type, string? Id, string? Event, JsonElement Data);
