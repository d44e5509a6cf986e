namespace EdgeGateway.Client;

/// <summary>On a route whose slow-consumer policy drops the oldest events, the gateway skipped <paramref name="Skipped"/> events for this subscriber.</summary>
/// <param name="Cursor">The cursor delivery continues from.</param>
/// <param name="Skipped">How many events were skipped.</param>
public sealed record GatewayGap(string Cursor, long Skipped);
