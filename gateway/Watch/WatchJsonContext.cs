using System.Text.Json.Serialization;

namespace Gateway.Watch;

[JsonSerializable(typeof(LeaseValue))]
internal sealed partial class WatchJsonContext : JsonSerializerContext;
