using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeGateway.Client.Wire;

/// <summary>Source-generated (de)serialisation of the wire shapes: no reflection, trimming-safe.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(NegotiateResponse))]
[JsonSerializable(typeof(PollResponse))]
[JsonSerializable(typeof(WireEvent))]
[JsonSerializable(typeof(ServerReconnect))]
[JsonSerializable(typeof(GapNotice))]
[JsonSerializable(typeof(ResetNotice))]
[JsonSerializable(typeof(WireError))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(string))]
internal sealed partial class ClientJsonContext : JsonSerializerContext;
