using System.Text.Json.Serialization;

namespace Gateway.Transports.Wire;

/// <summary>Wire shapes are versioned records serialised without reflection.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(NegotiateResponse))]
[JsonSerializable(typeof(PublishAck))]
[JsonSerializable(typeof(Management.ReadinessResponse))]
[JsonSerializable(typeof(Management.DrainResponse))]
[JsonSerializable(typeof(Management.RouteSummary[]))]
internal sealed partial class GatewayJsonContext : JsonSerializerContext;
