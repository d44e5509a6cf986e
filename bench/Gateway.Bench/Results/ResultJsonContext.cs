using System.Text.Json.Serialization;

namespace Gateway.Bench.Results;

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ScenarioResult))]
internal sealed partial class ResultJsonContext : JsonSerializerContext;
