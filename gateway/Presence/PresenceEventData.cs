namespace Gateway.Presence;

/// <summary>The data of <c>gateway.join</c> and <c>gateway.leave</c> events: <c>{"client":"...","user":"..."|null}</c>.</summary>
internal sealed record PresenceEventData(string Client, string? User);
