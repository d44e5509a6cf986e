using System.Globalization;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>How to start a gateway for a test, in-process (<see cref="GatewayInstance"/>) or as a child process (<see cref="GatewayProcess"/>).</summary>
internal sealed class GatewayLaunchOptions
{
    /// <summary>The contents of the instance's <c>appsettings.json</c> (routes, clusters, push flags ...). Written verbatim, so it may be invalid on purpose.</summary>
    public string ConfigJson { get; init; } = "{}";

    /// <summary><c>Gateway:Broker:Url</c>; omitted when null.</summary>
    public string? BrokerUrl { get; init; }

    /// <summary><c>Gateway:Broker:Kind</c>: <c>JetStream</c>, <c>Nats</c> or <c>Memory</c>.</summary>
    public string BrokerKind { get; init; } = "JetStream";

    /// <summary>More command-line arguments, e.g. <c>--Gateway:Drain:Window=00:00:02</c>; they come last and win.</summary>
    public IReadOnlyList<string> ExtraArgs { get; init; } = [];

    /// <summary>Where the gateway's logs go; null for nowhere (they are still kept for failure messages).</summary>
    public ITestOutputHelper? Output { get; init; }

    /// <summary>Public port; 0 picks a free one.</summary>
    public int PublicPort { get; init; }

    /// <summary>Management port; 0 picks a free one.</summary>
    public int ManagementPort { get; init; }

    /// <summary>Environment variables for an out-of-process gateway (<see cref="GatewayProcess"/> only).</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>Options for a gateway on <paramref name="nats"/> with the given configuration.</summary>
    public static GatewayLaunchOptions For(NatsServerFixture nats, JsonNode config, ITestOutputHelper? output = null, string brokerKind = "JetStream") =>
        For(nats, config.ToJsonString(), output, brokerKind);

    /// <inheritdoc cref="For(NatsServerFixture, JsonNode, ITestOutputHelper?, string)"/>
    public static GatewayLaunchOptions For(NatsServerFixture nats, string configJson, ITestOutputHelper? output = null, string brokerKind = "JetStream") =>
        new() { ConfigJson = configJson, BrokerUrl = nats.Url, BrokerKind = brokerKind, Output = output };

    internal string[] BuildArgs(int publicPort, int managementPort, string configPath)
    {
        var args = new List<string>
        {
            $"--Kestrel:Endpoints:Public:Url=http://127.0.0.1:{publicPort.ToString(CultureInfo.InvariantCulture)}",
            $"--Kestrel:Endpoints:Management:Url=http://127.0.0.1:{managementPort.ToString(CultureInfo.InvariantCulture)}",
            $"--Gateway:ConfigFile={configPath}",
            $"--Gateway:Broker:Kind={BrokerKind}",
        };
        if (BrokerUrl is not null)
        {
            args.Add($"--Gateway:Broker:Url={BrokerUrl}");
        }

        args.AddRange(ExtraArgs);
        return [.. args];
    }
}
