namespace EdgeGateway.Client;

/// <summary>
/// The gateway could not serve the subscription's cursor (older than the retained history, from another stream epoch,
/// malformed) and continues from <paramref name="Cursor"/>: events between the two may be lost, so refetch the
/// resource's state over REST.
/// </summary>
/// <param name="StaleCursor">The cursor the gateway refused.</param>
/// <param name="Cursor">The cursor delivery continues from.</param>
public sealed record GatewayReset(string? StaleCursor, string Cursor);
