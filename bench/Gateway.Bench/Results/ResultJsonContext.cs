using System.Text.Json.Serialization;
using Gateway.Bench.Drain;
using Gateway.Bench.Notify;
using Gateway.Bench.Storm;

namespace Gateway.Bench.Results;

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(ScenarioResult))]
[JsonSerializable(typeof(DrainResult))]
[JsonSerializable(typeof(StormResult))]
[JsonSerializable(typeof(NotifyResult))]
[JsonSerializable(typeof(Polling.PollingResult))]
[JsonSerializable(typeof(Peers.PeersResult))]
[JsonSerializable(typeof(Soak.SoakResult))]
internal sealed partial class ResultJsonContext : JsonSerializerContext;
