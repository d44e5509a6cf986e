namespace Gateway.IntegrationTests.Broker;

/// <summary>Cluster tests run one after another: each starts three nats-servers and two gateways on a 2-core machine.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NatsClusterCollection
{
    public const string Name = "nats-cluster";
}
