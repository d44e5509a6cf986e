namespace Gateway.Routing;

/// <summary>The presence keys of a push route (docs/presence.md).</summary>
internal static partial class PushRouteParser
{
    /// <summary><c>Push.Presence</c> and its companions (docs/presence.md); the companions without the switch are an error.</summary>
    private static PresenceSettings? Presence(IReadOnlyDictionary<string, string> metadata, bool hasSubject, Func<string, string> where, List<string> errors)
    {
        var on = Flag(metadata, PushMetadataKeys.Presence, where, errors);
        var events = Flag(metadata, PushMetadataKeys.PresenceEvents, where, errors);
        var ttl = Duration(metadata, PushMetadataKeys.PresenceTtl, PresenceSettings.DefaultTtl, PresenceSettings.MinTtl, PresenceSettings.MaxTtl, where, errors);
        var grace = Duration(metadata, PushMetadataKeys.PresenceGrace, PresenceSettings.DefaultGrace, TimeSpan.Zero, PresenceSettings.MaxTtl, where, errors);
        var max = Integer(metadata, PushMetadataKeys.PresenceMaxMembers, 1, PresenceSettings.MaxMaxMembers, where, errors) ?? PresenceSettings.DefaultMaxMembers;
        if (on != true)
        {
            foreach (var key in (string[])[PushMetadataKeys.PresenceEvents, PushMetadataKeys.PresenceTtl, PushMetadataKeys.PresenceGrace, PushMetadataKeys.PresenceMaxMembers])
            {
                if (metadata.ContainsKey(key))
                {
                    errors.Add($"{where(key)}: set only with {PushMetadataKeys.Presence}: true.");
                }
            }

            return null;
        }

        if (!hasSubject)
        {
            errors.Add($"{where(PushMetadataKeys.Presence)}: presence needs Push.Subject (members are the subject's subscribers).");
        }

        if (grace > ttl)
        {
            errors.Add($"{where(PushMetadataKeys.PresenceGrace)}: {grace} is above Push.PresenceTtl ({ttl}).");
        }

        return new PresenceSettings(events == true, ttl, grace, max);
    }

    private static bool? Flag(IReadOnlyDictionary<string, string> metadata, string key, Func<string, string> where, List<string> errors)
    {
        if (!metadata.TryGetValue(key, out var text))
        {
            return null;
        }

        if (!bool.TryParse(text, out var value))
        {
            errors.Add($"{where(key)}: '{text}' must be true or false.");
            return null;
        }

        return value;
    }
}
