namespace Gateway.Presence;

/// <summary>
/// A store's news of one instance's record of a subject: the record (null when the key was deleted), its revision (for
/// the compare-and-set of a reap), and how old it already was when it arrived (current values at the start of a watch).
/// </summary>
internal readonly record struct PresenceUpdate(string Instance, PresenceRecord? Record, ulong Revision, TimeSpan Age);
