namespace Gateway.Broker;

/// <summary>NATS header names shared with publishers.</summary>
internal static class GatewayHeaders
{
    /// <summary>The event type; absent means <see cref="DefaultEventType"/>.</summary>
    public const string EventType = "Gw-Event";

    /// <summary>Publish time in Unix milliseconds, set by the gateway's own publishers for the delivery-lag metric.</summary>
    public const string PublishedAt = "Gw-Ts";

    public const string DefaultEventType = "message";

    /// <summary>The prefix of the gateway's own event types (<c>gateway.join</c>, <c>gateway.leave</c>), which clients may not publish.</summary>
    public const string ReservedPrefix = "gateway.";

    public static bool IsReserved(string eventType) => eventType.StartsWith(ReservedPrefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>Event types travel in SSE <c>event:</c> lines: only a plain token is accepted.</summary>
    public static string SanitizeEventType(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > 128)
        {
            return DefaultEventType;
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or ':'))
            {
                return DefaultEventType;
            }
        }

        return value;
    }
}
