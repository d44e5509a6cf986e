using System.Net;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Edge;

/// <summary>Circuit breaking toward a failing backend: YARP's passive health checks take it out; clients get 503 + Retry-After.</summary>
[Collection(NatsCollection.Name)]
public sealed class CircuitBreakerTests(NatsServerFixture nats, ITestOutputHelper output)
{
    [Fact]
    public async Task FailingBackend_IsTakenOutByPassiveHealth_AndClientsGet503WithRetryAfter()
    {
        var deadPort = FreePort.Next();
        var config = $$"""
            {
              "ReverseProxy": {
                "Routes": { "flaky": { "ClusterId": "flaky", "Match": { "Path": "/flaky" } } },
                "Clusters": {
                  "flaky": {
                    "HealthCheck": { "AvailableDestinationsPolicy": "HealthyAndUnknown", "Passive": { "Enabled": true, "Policy": "TransportFailureRate", "ReactivationPeriod": "00:01:00" } },
                    "Metadata": { "TransportFailureRateHealthPolicy.RateLimit": "0.5" },
                    "Destinations": { "d1": { "Address": "http://127.0.0.1:{{deadPort}}/" } }
                  }
                }
              }
            }
            """;
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, config, output, "Memory"));

        // Transport failures (502) until the destination's failure rate trips the breaker; then 503 from the edge.
        HttpResponseMessage? open = null;
        await Eventually.TrueAsync(async () =>
        {
            var response = await gateway.PublicClient.GetAsync("/flaky");
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                open = response;
                return true;
            }

            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
            response.Dispose();
            return false;
        }, TimeSpan.FromSeconds(30), "the breaker opens");

        using (open)
        {
            Assert.NotNull(open!.Headers.RetryAfter);
            Assert.True(open.Headers.RetryAfter!.Delta >= TimeSpan.FromSeconds(1));
        }

        var metrics = await gateway.ManagementClient.GetStringAsync("/metrics");
        Assert.Contains("gateway_proxy_errors_total{route=\"flaky\",cluster=\"flaky\",error=\"NoAvailableDestinations\"}", metrics, StringComparison.Ordinal);
    }
}
