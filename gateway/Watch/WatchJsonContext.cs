using System.Text.Json.Serialization;

namespace Gateway.Watch;

[JsonSerializable(typeof(LeaseValue))]
[JsonSerializable(typeof(WatchBaseline))]
internal sealed partial class WatchJsonContext : JsonSerializerContext;
