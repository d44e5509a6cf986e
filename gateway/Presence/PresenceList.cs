namespace Gateway.Presence;

/// <summary><c>GET {path}/presence</c>: <c>{"count":N,"members":[{"client":"...","user":"..."|null,"since":"..."}]}</c>.</summary>
internal sealed record PresenceList(int Count, IReadOnlyList<PresenceListEntry> Members);
