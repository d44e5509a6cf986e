using System.Net;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Security;

/// <summary>The demo page is off unless configured, so it never shadows a backend's <c>/</c>; the browser client is always served.</summary>
[Collection(NatsCollection.Name)]
public sealed class DemoPageTests(NatsServerFixture nats, ITestOutputHelper output)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DemoPage_OffByDefault_ServedOnlyWhenEnabled(bool enabled)
    {
        await using var backend = await TestBackend.StartAsync(app => app.Map("/{**path}", () => "backend"), output);
        var config = $$"""
            {
              {{(enabled ? """ "Gateway": { "Demo": { "Enabled": true } }, """ : string.Empty)}}
              "ReverseProxy": {
                "Routes": { "site": { "ClusterId": "site", "Match": { "Path": "/{**path}" } } },
                "Clusters": { "site": { "Destinations": { "one": { "Address": "{{backend.Url}}/" } } } }
              }
            }
            """;
        await using var gateway = await GatewayInstance.StartAsync(GatewayLaunchOptions.For(nats, config, output, "Memory"));

        foreach (var path in new[] { "/", "/index.html", "/_gateway/demo.js" })
        {
            using var response = await gateway.PublicClient.GetAsync(path);
            var body = await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True(enabled == (body != "backend"), $"{path}: {(enabled ? "demo expected" : "backend expected")}, got '{body[..Math.Min(body.Length, 40)]}'");
        }

        using var client = await gateway.PublicClient.GetAsync("/_gateway/client.js");
        Assert.Equal(HttpStatusCode.OK, client.StatusCode);
        Assert.Equal("text/javascript", client.Content.Headers.ContentType?.MediaType);
    }
}
