namespace Gateway.Presence;

/// <summary>
/// The cluster-wide members of one subject as the store's updates describe them: the union, by identity, of every
/// instance's latest record. Applying the updates in the store's order gives every instance the same sequence of joins
/// and leaves (a member joins when the first record holds it and leaves when the last one drops it), so a reconnect to
/// another instance within the grace period is neither. Not thread-safe: its owner locks.
/// </summary>
internal sealed class SubjectPresence
{
    private readonly Dictionary<string, Contribution> _instances = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Holding> _members = new(StringComparer.Ordinal);

    /// <summary>Members in the union, fresh or not.</summary>
    public int Count => _members.Count;

    public bool Contains(string id) => _members.ContainsKey(id);

    /// <summary>Applies an instance's latest record (null: deleted), adding the union's joins and leaves to <paramref name="changes"/>.</summary>
    public void Apply(PresenceUpdate update, long seenAt, List<PresenceChange> changes)
    {
        _instances.TryGetValue(update.Instance, out var old);
        var next = new Dictionary<string, PresenceMember>(update.Record?.Members.Count ?? 0, StringComparer.Ordinal);
        foreach (var member in update.Record?.Members ?? [])
        {
            next.TryAdd(member.Id, member);
        }

        if (old is not null)
        {
            foreach (var (id, member) in old.Members)
            {
                if (!next.ContainsKey(id) && _members.TryGetValue(id, out var holding) && --holding.Holders == 0)
                {
                    _members.Remove(id);
                    changes.Add(new PresenceChange(false, holding.Member));
                }
            }
        }

        foreach (var (id, member) in next)
        {
            if (old is not null && old.Members.ContainsKey(id))
            {
                continue;
            }

            if (_members.TryGetValue(id, out var holding))
            {
                holding.Holders++;
            }
            else
            {
                _members[id] = new Holding(member);
                changes.Add(new PresenceChange(true, member));
            }
        }

        if (update.Record is null)
        {
            _instances.Remove(update.Instance);
        }
        else
        {
            _instances[update.Instance] = new Contribution(next, update.Revision, seenAt);
        }
    }

    /// <summary>Other instances' non-empty records not refreshed for a TTL: their owner is gone (or cut off from the store).</summary>
    public List<(string Instance, ulong Revision)> Expired(long now, long ttlTicks, string self)
    {
        List<(string, ulong)>? expired = null;
        foreach (var (instance, contribution) in _instances)
        {
            if (instance != self && contribution.Members.Count > 0 && now - contribution.SeenAt >= ttlTicks)
            {
                (expired ??= []).Add((instance, contribution.Revision));
            }
        }

        return expired ?? [];
    }

    /// <summary>Adds the members of other instances' fresh records to <paramref name="into"/> (the earliest join wins).</summary>
    public void CollectFresh(long now, long ttlTicks, string self, Dictionary<string, PresenceMember> into)
    {
        foreach (var (instance, contribution) in _instances)
        {
            if (instance == self || now - contribution.SeenAt >= ttlTicks)
            {
                continue;
            }

            foreach (var (id, member) in contribution.Members)
            {
                if (!into.TryGetValue(id, out var known) || member.Since < known.Since)
                {
                    into[id] = member;
                }
            }
        }
    }

    private sealed record Contribution(Dictionary<string, PresenceMember> Members, ulong Revision, long SeenAt);

    private sealed class Holding(PresenceMember member)
    {
        public PresenceMember Member { get; } = member;

        public int Holders { get; set; } = 1;
    }
}
