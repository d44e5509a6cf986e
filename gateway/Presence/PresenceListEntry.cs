namespace Gateway.Presence;

/// <summary>One member on the wire: the client id, the token's subject (or null), and when it joined (UTC, ISO 8601).</summary>
internal sealed record PresenceListEntry(string Client, string? User, DateTimeOffset Since);
