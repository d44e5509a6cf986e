using System.Globalization;
using System.Text.Json.Nodes;
using Gateway.Broker;
using YamlDotNet.RepresentationModel;

namespace Gateway.Deployment.Tests;

/// <summary>config/deploy/compose.yaml, its Prometheus and NATS files and the Dockerfile agree with the gateway's real settings.</summary>
public sealed class ComposeFileTests
{
    private static readonly YamlMappingNode Compose = DeployFiles.YamlDocuments("config/deploy/compose.yaml")[0];

    private static YamlMappingNode Services => Compose.Map("services");

    private static IReadOnlyList<string> Named(string prefix) => [.. Services.Keys().Where(k => k.StartsWith(prefix, StringComparison.Ordinal))];

    private static Dictionary<string, string> Environment(string service) =>
        Services.Map(service).Map("environment").Keys().ToDictionary(k => k, k => Services.Map(service).Map("environment").Str(k));

    [Fact]
    public void Shape_ThreeNatsNodesTwoGatewaysBackendsPrometheusGrafana()
    {
        Assert.Equal(3, Named("nats-").Count);
        Assert.Equal(2, Named("gateway-").Count);
        foreach (var service in new[] { "orders", "catalog", "prices", "prometheus", "grafana" })
        {
            Assert.Contains(service, Services.Keys());
        }
    }

    [Fact]
    public void Gateways_HaveTheFullServerList_AndReplicasTheClusterCanHold()
    {
        foreach (var gateway in Named("gateway-"))
        {
            var env = Environment(gateway);
            Assert.All(env.Keys, k => Assert.True(DeployFiles.IsGatewaySetting(k), $"{gateway}: {k} is not a gateway setting"));
            var servers = BrokerOptionsValidator.ParseServers(env["Gateway__Broker__Url"], []);
            Assert.Equal(Named("nats-").Order(), servers.Select(s => s.Host).Order());
            Assert.All(servers, s => Assert.Equal(4222, s.Port));
            var replicas = int.Parse(env["Gateway__Broker__Replicas"], CultureInfo.InvariantCulture);
            Assert.InRange(replicas, 3, Named("nats-").Count);
            Assert.Contains(gateway, env.Where(kv => kv.Key.StartsWith("Gateway__Management__AllowedHosts", StringComparison.Ordinal)).Select(kv => kv.Value));
        }
    }

    [Fact]
    public void Gateways_StopGracePeriod_CoversTheHostsShutdownTimeout()
    {
        foreach (var gateway in Named("gateway-"))
        {
            var (window, grace, shutdown) = DeployFiles.DrainTimings(Environment(gateway));
            var period = Services.Map(gateway).Str("stop_grace_period");
            var seconds = TimeSpan.FromSeconds(int.Parse(period.TrimEnd('s'), CultureInfo.InvariantCulture));
            Assert.True(seconds >= shutdown, $"{gateway}: stop_grace_period {period} < host shutdown {shutdown} (drain {window} + grace {grace}): Docker would SIGKILL mid-drain");
            Assert.Equal("true", Services.Map(gateway).Str("read_only"));
        }
    }

    [Fact]
    public void Gateways_PublishTheGatewaysPorts()
    {
        foreach (var gateway in Named("gateway-"))
        {
            var targets = Services.Map(gateway).Seq("ports").Select(p => int.Parse(((YamlScalarNode)p).Value!.Split(':')[^1], CultureInfo.InvariantCulture)).ToList();
            Assert.Contains(DeployFiles.KestrelPort("Public"), targets);
            Assert.Contains(DeployFiles.KestrelPort("Management"), targets);
        }
    }

    [Fact]
    public void Prometheus_ScrapesEveryGatewayOnItsManagementPort()
    {
        var prometheus = DeployFiles.YamlDocuments("config/deploy/prometheus.yml")[0];
        var job = prometheus.Seq("scrape_configs").Single(j => j.Str("job_name") == "gateway");
        Assert.Equal("/metrics", job.Str("metrics_path"));
        var targets = job.Seq("static_configs").SelectMany(c => c.Seq("targets")).Select(t => ((YamlScalarNode)t).Value).ToList();
        Assert.Equal(Named("gateway-").Select(g => $"{g}:{DeployFiles.KestrelPort("Management")}").Order(), targets.Order());
    }

    [Fact]
    public void NatsCluster_RoutesNameEveryNode()
    {
        var conf = File.ReadAllText(DeployFiles.Path("config/deploy/nats-cluster.conf"));
        foreach (var node in Named("nats-"))
        {
            Assert.Contains($"nats-route://{node}:6222", conf, StringComparison.Ordinal);
            Assert.Contains(node, Services.Map(node).Seq("command").Select(c => ((YamlScalarNode)c).Value));
        }

        Assert.Contains("jetstream", conf, StringComparison.Ordinal);
    }

    [Fact]
    public void DeployConfig_HasTheSameRoutesAsTheRootConfiguration()
    {
        var root = JsonNode.Parse(File.ReadAllText(DeployFiles.Path("appsettings.json")))!;
        var deploy = DeployFiles.GatewayConfig();
        Assert.True(JsonNode.DeepEquals(root["ReverseProxy"]!["Routes"], deploy["ReverseProxy"]!["Routes"]), "config/deploy/gateway.json routes drifted from appsettings.json");
        Assert.Equal(root["ReverseProxy"]!["Clusters"]!.AsObject().Select(c => c.Key).Order(), deploy["ReverseProxy"]!["Clusters"]!.AsObject().Select(c => c.Key).Order());
    }

    [Fact]
    public void Dockerfile_ExposesTheGatewaysPorts_RunsNonRoot_AndReceivesSigterm()
    {
        var lines = File.ReadAllLines(DeployFiles.Path("Dockerfile"));
        var final = lines.SkipWhile(l => !l.StartsWith("FROM ", StringComparison.Ordinal) || !l.EndsWith(" AS gateway", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(final);
        Assert.Contains(final, l => l.StartsWith("EXPOSE", StringComparison.Ordinal)
            && l.Contains(DeployFiles.KestrelPort("Public").ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            && l.Contains(DeployFiles.KestrelPort("Management").ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
        Assert.Contains(final, l => l.StartsWith("USER ", StringComparison.Ordinal) && !l.Contains("root", StringComparison.Ordinal));
        Assert.Contains(final, l => l.StartsWith("ENTRYPOINT [", StringComparison.Ordinal)); // exec form: SIGTERM reaches the gateway
        Assert.Contains(final, l => l.Contains("config/deploy/gateway.json /app/config/gateway.json", StringComparison.Ordinal));
        Assert.Contains(final, l => l.Contains("GATEWAY_CONFIG=/app/config/gateway.json", StringComparison.Ordinal));
        Assert.Equal(Named("gateway-").Count, Named("gateway-").Count(g => Services.Map(g).Map("build").Str("target") == "gateway"));
    }
}
