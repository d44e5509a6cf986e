namespace Gateway.Broker;

/// <summary>JetStream placement of the gateway's stream, section <c>Gateway:Broker:Placement</c>.</summary>
public sealed class BrokerPlacementOptions
{
    /// <summary>Default none: the JetStream cluster (a <c>cluster { name }</c> of nats-server) to place the stream in.</summary>
    public string? Cluster { get; set; }

    /// <summary>Default none: server tags (<c>server_tags</c>) every replica's server must carry, e.g. one per zone.</summary>
    public List<string> Tags { get; set; } = [];

    internal bool IsSet => !string.IsNullOrWhiteSpace(Cluster) || Tags.Count > 0;
}
