namespace Gateway.Broker;

/// <summary>Which broker carries events (<c>Gateway:Broker:Kind</c>).</summary>
public enum BrokerKind
{
    /// <summary>NATS JetStream: retained history, resume across instances and restarts.</summary>
    JetStream,

    /// <summary>Core NATS: at-most-once; resume only within one instance's in-memory replay buffer.</summary>
    Nats,

    /// <summary>Embedded in-process broker: one instance, for development without a NATS server.</summary>
    Memory,
}
