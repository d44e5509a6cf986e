namespace Gateway.Presence;

/// <summary>A member that appeared in (<see cref="Joined"/>) or left a subject's cluster-wide list.</summary>
internal readonly record struct PresenceChange(bool Joined, PresenceMember Member);
