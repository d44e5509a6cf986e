namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>
/// Tests that measure the process itself (its managed heap) run alone, with no other collection in parallel: another
/// test's allocations in the same process would count as theirs. Its own <see cref="NatsServerFixture"/>.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class IsolatedNatsCollection : ICollectionFixture<NatsServerFixture>
{
    public const string Name = "nats-isolated";
}
