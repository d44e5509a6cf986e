using Gateway.Broker;
using Gateway.Management;
using YamlDotNet.RepresentationModel;

namespace Gateway.Deployment.Tests;

/// <summary>config/deploy/kubernetes/gateway.yaml agrees with the gateway's real ports, probes, drain timing and settings.</summary>
public sealed class KubernetesManifestTests
{
    private static readonly IReadOnlyList<YamlMappingNode> Documents = DeployFiles.YamlDocuments("config/deploy/kubernetes/gateway.yaml");

    private static YamlMappingNode Kind(string kind) => Documents.Single(d => d.Str("kind") == kind);

    private static YamlMappingNode Pod => Kind("Deployment").Map("spec").Map("template");

    private static YamlNode Container => Pod.Map("spec").Seq("containers")[0];

    private static Dictionary<string, string> Environment() =>
        Container.Seq("env").Where(e => e.Get("value") is not null).ToDictionary(e => e.Str("name"), e => e.Str("value"));

    private static int ContainerPort(string name) =>
        int.Parse(Container.Seq("ports").Single(p => p.Str("name") == name).Str("containerPort"), System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Ports_MatchTheGatewaysEndpoints()
    {
        Assert.Equal(DeployFiles.KestrelPort("Public"), ContainerPort("public"));
        Assert.Equal(DeployFiles.KestrelPort("Management"), ContainerPort("management"));
    }

    [Fact]
    public void Probes_ReadinessOnReadyz_LivenessOnHealthz_OnTheManagementPort()
    {
        Assert.Equal("/readyz", Container.Map("readinessProbe").Map("httpGet").Str("path"));
        Assert.Equal("management", Container.Map("readinessProbe").Map("httpGet").Str("port"));
        Assert.Equal("/healthz", Container.Map("livenessProbe").Map("httpGet").Str("path"));
        Assert.Equal("management", Container.Map("livenessProbe").Map("httpGet").Str("port"));
    }

    [Fact]
    public void TerminationGrace_CoversPreStopDrainWindowGraceAndTheHostsShutdownTimeout()
    {
        var (window, grace, shutdown) = DeployFiles.DrainTimings(Environment());
        var preStop = TimeSpan.FromSeconds(int.Parse(Container.Map("lifecycle").Map("preStop").Map("sleep").Str("seconds"), System.Globalization.CultureInfo.InvariantCulture));
        var terminationGrace = TimeSpan.FromSeconds(int.Parse(Pod.Map("spec").Str("terminationGracePeriodSeconds"), System.Globalization.CultureInfo.InvariantCulture));

        Assert.True(shutdown >= window + grace, "the host waits for the whole drain");
        Assert.True(terminationGrace >= preStop + shutdown,
            $"terminationGracePeriodSeconds {terminationGrace.TotalSeconds} s < preStop {preStop.TotalSeconds} s + host shutdown {shutdown.TotalSeconds} s (drain {window.TotalSeconds} s + grace {grace.TotalSeconds} s): Kubernetes would SIGKILL mid-drain");
    }

    [Fact]
    public void Environment_NamesOnlyRealSettings_AndAValidBrokerConfiguration()
    {
        var names = Container.Seq("env").Select(e => e.Str("name")).ToList();
        Assert.All(names, n => Assert.True(DeployFiles.IsGatewaySetting(n), $"{n} is not a gateway setting"));

        var env = Environment();
        var broker = new BrokerOptions { Url = env["Gateway__Broker__Url"], Replicas = int.Parse(env["Gateway__Broker__Replicas"], System.Globalization.CultureInfo.InvariantCulture) };
        var result = new BrokerOptionsValidator().Validate(null, broker);
        Assert.True(result.Succeeded, result.FailureMessage);
        Assert.Equal(3, broker.Replicas);
        Assert.Equal(3, BrokerOptionsValidator.ParseServers(broker.Url, []).Count);
    }

    [Fact]
    public void ManagementToken_ComesFromASecret_BecauseTheManagementPortIsNotLoopback()
    {
        var url = DeployFiles.GatewayConfig()["Kestrel"]!["Endpoints"]!["Management"]!["Url"]!.GetValue<string>();
        Assert.NotEmpty(new ManagementOptions().Problems(url));
        var token = Container.Seq("env").Single(e => e.Str("name") == "Gateway__Management__Token");
        Assert.NotNull(token.Map("valueFrom").Get("secretKeyRef"));
    }

    [Fact]
    public void Scraping_AnnotationsPointAtTheManagementMetrics()
    {
        var annotations = Pod.Map("metadata").Map("annotations");
        Assert.Equal("true", annotations.Str("prometheus.io/scrape"));
        Assert.Equal(ContainerPort("management").ToString(System.Globalization.CultureInfo.InvariantCulture), annotations.Str("prometheus.io/port"));
        Assert.Equal("/metrics", annotations.Str("prometheus.io/path"));
    }

    [Fact]
    public void DisruptionBudgetAndServices_SelectTheDeploymentsPods()
    {
        var labels = Pod.Map("metadata").Map("labels");
        var selectors = new[] { Kind("PodDisruptionBudget").Map("spec").Map("selector").Map("matchLabels") }
            .Concat(Documents.Where(d => d.Str("kind") == "Service").Select(s => s.Map("spec").Map("selector")));
        foreach (var selector in selectors)
        {
            foreach (var key in selector.Keys())
            {
                Assert.Equal(selector.Str(key), labels.Str(key));
            }
        }
    }

    [Fact]
    public void Container_RunsNonRootOnAReadOnlyRootFileSystem()
    {
        Assert.Equal("true", Pod.Map("spec").Map("securityContext").Str("runAsNonRoot"));
        Assert.Equal("true", Container.Map("securityContext").Str("readOnlyRootFilesystem"));
        Assert.Equal("false", Container.Map("securityContext").Str("allowPrivilegeEscalation"));
    }
}
