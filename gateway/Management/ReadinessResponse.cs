namespace Gateway.Management;

/// <summary>The <c>/readyz</c> body: ready or not, and why not.</summary>
internal sealed record ReadinessResponse(string Status, string? Reason, string Broker, bool Draining, int Sessions);

internal sealed record DrainResponse(string Status, int Sessions, int WindowMs);

internal sealed record RouteSummary(string RouteId, string? Path, string? Subject, IReadOnlyList<string> Transports, string? Upstream, string? Notify, string? Watch, int Sessions);
