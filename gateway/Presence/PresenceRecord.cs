namespace Gateway.Presence;

/// <summary>
/// An instance's members of one subject: the value of the key <c>{subject}.{instance}</c> (docs/presence.md). Written
/// whole by its instance on every change and refresh, or emptied by another instance that found it expired; <see cref="By"/>
/// names the writer, and only the writer announces the joins and leaves the write makes.
/// </summary>
internal sealed record PresenceRecord(int V, string By, IReadOnlyList<PresenceMember> Members)
{
    public const int Version = 1;
}
