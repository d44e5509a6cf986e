using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Hosting;

/// <summary>A broken configuration stops start-up with every error listed; the process exits non-zero.</summary>
public sealed class StartupValidationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task BrokenRoutes_ProcessExitsNonZero_ListingEveryError()
    {
        const string config = """
            {
              "ReverseProxy": {
                "Routes": {
                  "ghost": { "ClusterId": "nowhere", "Match": { "Path": "/ghost/{id}" } },
                  "bad-subject": { "Match": { "Path": "/x/{id}/events" }, "Metadata": { "Push.Subject": "x.*.{id}" } },
                  "bad-transport": { "Match": { "Path": "/y/{id}/events" }, "Metadata": { "Push.Subject": "y.{id}", "Push.Transports": "smoke-signals" } },
                  "bad-placeholder": { "Match": { "Path": "/z/{id}/events" }, "Metadata": { "Push.Subject": "z.{name}" } }
                },
                "Clusters": {}
              }
            }
            """;
        var options = new GatewayLaunchOptions { ConfigJson = config, BrokerKind = "Memory", Output = output };
        var start = GatewayProcess.StartAsync(options);
        var failure = await Record.ExceptionAsync(() => start);
        Assert.NotNull(failure);
        var text = failure.ToString();
        Assert.Contains("exited with code 2", text, StringComparison.Ordinal);
        foreach (var expected in new[] { "'ghost'", "'nowhere'", "'bad-subject'", "x.*.{id}", "'bad-transport'", "smoke-signals", "'bad-placeholder'", "{name}" })
        {
            Assert.Contains(expected, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task BrokenBrokerSettings_ProcessExitsNonZero_ListingEveryError()
    {
        var options = new GatewayLaunchOptions
        {
            ConfigJson = """{"ReverseProxy":{"Routes":{},"Clusters":{}}}""",
            BrokerUrl = "nats://127.0.0.1:4222,http://elsewhere:80",
            Output = output,
            ExtraArgs = ["--Gateway:Broker:CredentialsFile=/nonexistent/gateway.creds", "--Gateway:Broker:Replicas=7"],
        };
        var failure = await Record.ExceptionAsync(() => GatewayProcess.StartAsync(options));
        Assert.NotNull(failure);
        var text = failure.ToString();
        Assert.Contains("exited with code 2", text, StringComparison.Ordinal);
        Assert.Contains("scheme 'http'", text, StringComparison.Ordinal);
        Assert.Contains("/nonexistent/gateway.creds", text, StringComparison.Ordinal);
        Assert.Contains("Replicas", text, StringComparison.Ordinal);
    }
}
