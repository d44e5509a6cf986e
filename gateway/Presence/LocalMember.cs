namespace Gateway.Presence;

/// <summary>A member this instance holds: its sessions here, and after the last one ended, until when it lingers.</summary>
internal sealed class LocalMember(PresenceMember member)
{
    public PresenceMember Member { get; } = member;

    public int Sessions { get; set; }

    /// <summary>Timestamp until which a member without sessions stays (the reconnect grace); 0 while it has sessions.</summary>
    public long LingerUntil { get; set; }
}
