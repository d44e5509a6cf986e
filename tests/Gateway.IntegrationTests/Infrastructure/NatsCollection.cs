namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>Test classes marked <c>[Collection(NatsCollection.Name)]</c> share one <see cref="NatsServerFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class NatsCollection : ICollectionFixture<NatsServerFixture>
{
    public const string Name = "nats";
}
