using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.BrowserTests;

/// <summary>
/// Test classes marked <c>[Collection(BrowserCollection.Name)]</c> share one nats-server (JetStream) and one Chromium;
/// they run one after another, each with gateways and pages of its own.
/// </summary>
[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<NatsServerFixture>, ICollectionFixture<ChromiumFixture>
{
    public const string Name = "browser";
}
