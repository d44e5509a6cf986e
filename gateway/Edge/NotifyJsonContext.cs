using System.Text.Json.Serialization;

namespace Gateway.Edge;

[JsonSerializable(typeof(Dictionary<string, object?>))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(string))]
internal sealed partial class NotifyJsonContext : JsonSerializerContext;
