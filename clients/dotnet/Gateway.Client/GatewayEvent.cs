using System.Text.Json;

namespace EdgeGateway.Client;

/// <summary>One event of a push route.</summary>
/// <param name="Id">The event's cursor: opaque, compare only for equality; send it back as <see cref="SubscribeOptions.Cursor"/> to resume after it.</param>
/// <param name="Event">The event type (the NATS <c>Gw-Event</c> header; <c>message</c> by default).</param>
/// <param name="Data">The payload: the JSON the publisher sent, or a JSON string when it sent other bytes. Safe to keep.</param>
public sealed record GatewayEvent(string Id, string Event, JsonElement Data);
