using System.Net;
using System.Text.RegularExpressions;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Security;

/// <summary>A client inventing request methods cannot grow the metric series: every unknown method is <c>other</c> (docs/metrics.md).</summary>
[Collection(NatsCollection.Name)]
public sealed partial class MetricLabelTests(NatsServerFixture nats, ITestOutputHelper output)
{
    [Fact]
    public async Task InventedMethods_OnAProxiedRoute_AreOneOtherSeries()
    {
        await using var backend = await TestBackend.StartAsync(app => app.Map("/items/{id}", () => "{}"), output);
        var config = $$"""
            {
              "ReverseProxy": {
                "Routes": { "items": { "ClusterId": "catalog", "Match": { "Path": "/items/{id}" } } },
                "Clusters": { "catalog": { "Destinations": { "one": { "Address": "{{backend.Url}}/" } } } }
              }
            }
            """;
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, config, output, "Memory"));

        const int invented = 40;
        for (var i = 0; i < invented; i++)
        {
            var method = i == 0 ? new string('M', 8000) : "M" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            using var request = new HttpRequestMessage(new HttpMethod(method), "/items/1");
            using var response = await gateway.PublicClient.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using (var get = await gateway.PublicClient.GetAsync("/items/1"))
        {
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        }

        var metrics = await gateway.ManagementClient.GetStringAsync("/metrics");
        var methods = ProxyRequestMethod().Matches(metrics).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(["GET", "other"], methods.Order(StringComparer.Ordinal));
        Assert.Contains($"gateway_proxy_requests_total{{route=\"items\",cluster=\"catalog\",method=\"other\",code=\"200\"}} {invented}", metrics, StringComparison.Ordinal);
    }

    [GeneratedRegex("""^gateway_proxy_requests_total\{[^}]*method="([^"]*)""", RegexOptions.Multiline)]
    private static partial Regex ProxyRequestMethod();
}
