namespace Backends.Orders.Events;

/// <summary>How order changes reach NATS (configuration section <c>Orders</c>).</summary>
internal sealed class OrderEventsOptions
{
    public const string DefaultNatsUrl = "nats://127.0.0.1:4222";

    /// <summary>
    /// The NATS server. Default: <c>Orders:NatsUrl</c>, else the NATS_URL environment variable, else
    /// nats://127.0.0.1:4222 (config/nats-server.conf).
    /// </summary>
    public string NatsUrl { get; set; } = "";

    /// <summary>False runs the API without NATS at all (the gateway's embedded broker). Default true.</summary>
    public bool Publish { get; set; } = true;

    /// <summary>
    /// Changes held while NATS is unreachable; past this the oldest are dropped, so an outage never grows
    /// memory without bound. Default 10,000: minutes of demo traffic.
    /// </summary>
    public int PublishQueueCapacity { get; set; } = 10_000;

    /// <summary>How long stopping waits for queued changes to go out. Default 2 s: shutdown stays quick.</summary>
    public TimeSpan FlushTimeout { get; set; } = TimeSpan.FromSeconds(2);
}
