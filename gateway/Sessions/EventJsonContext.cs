using System.Text.Json.Serialization;

namespace Gateway.Sessions;

[JsonSerializable(typeof(string))]
internal sealed partial class EventJsonContext : JsonSerializerContext;
