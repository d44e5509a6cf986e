namespace EdgeGateway.Client;

/// <summary>A fallback not yet reported to the gateway; it rides on the next negotiate or connect request.</summary>
internal sealed record PendingFallback(GatewayTransport From, GatewayTransport To, GatewayFallbackReason Reason);
