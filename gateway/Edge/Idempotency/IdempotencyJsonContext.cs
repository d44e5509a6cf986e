using System.Text.Json.Serialization;

namespace Gateway.Edge.Idempotency;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(IdempotencyRecord))]
internal sealed partial class IdempotencyJsonContext : JsonSerializerContext;
