using System.Text.Json.Serialization;

namespace Gateway.Presence;

/// <summary>Presence records in the store and presence answers on the wire, serialised without reflection.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(PresenceRecord))]
[JsonSerializable(typeof(PresenceList))]
[JsonSerializable(typeof(PresenceEventData))]
internal sealed partial class PresenceJsonContext : JsonSerializerContext;
