using System.Text.Json.Nodes;
using Gateway.Lifecycle;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using YamlDotNet.RepresentationModel;

namespace Gateway.Deployment.Tests;

/// <summary>Reads the repository's deployment files (config/deploy, Dockerfile) and the gateway's real settings to compare them with.</summary>
internal static class DeployFiles
{
    public static string Root { get; } = FindRoot();

    public static string Path(string relative) => System.IO.Path.Combine(Root, relative);

    public static IReadOnlyList<YamlMappingNode> YamlDocuments(string relative)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(Path(relative));
        stream.Load(reader);
        return [.. stream.Documents.Select(d => (YamlMappingNode)d.RootNode)];
    }

    public static JsonNode GatewayConfig() => JsonNode.Parse(File.ReadAllText(Path("config/deploy/gateway.json")))!;

    /// <summary>A port from a Kestrel URL in <c>config/deploy/gateway.json</c>.</summary>
    public static int KestrelPort(string endpoint) =>
        new Uri(GatewayConfig()["Kestrel"]!["Endpoints"]![endpoint]!["Url"]!.GetValue<string>().Replace("0.0.0.0", "localhost", StringComparison.Ordinal)).Port;

    /// <summary>
    /// The drain window, grace and host shutdown timeout the gateway itself derives from the deployment's configuration
    /// (the image's config file plus the environment the manifest sets), through the gateway's own registration.
    /// </summary>
    public static (TimeSpan Window, TimeSpan Grace, TimeSpan ShutdownTimeout) DrainTimings(IReadOnlyDictionary<string, string> environment)
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path("config/deploy/gateway.json"))
            .AddInMemoryCollection(environment.ToDictionary(kv => kv.Key.Replace("__", ":", StringComparison.Ordinal), kv => (string?)kv.Value))
            .Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddGatewayLifecycle();
        using var provider = services.BuildServiceProvider();
        var drain = provider.GetRequiredService<IOptions<DrainOptions>>().Value;
        return (drain.Window, drain.Grace, provider.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout);
    }

    /// <summary>Whether <c>Gateway__Section__Property</c> names a real property of the gateway's options (nested ones included).</summary>
    public static bool IsGatewaySetting(string environmentName)
    {
        var parts = environmentName.Split("__");
        if (parts.Length < 3 || parts[0] != "Gateway")
        {
            return false;
        }

        var type = parts[1] switch
        {
            "Broker" => typeof(Gateway.Broker.BrokerOptions),
            "Drain" => typeof(DrainOptions),
            "Management" => typeof(Gateway.Management.ManagementOptions),
            "Push" => typeof(Gateway.Routing.PushOptions),
            "Limits" => typeof(Gateway.Edge.LimitOptions),
            _ => null,
        };
        foreach (var part in parts.Skip(2))
        {
            if (type is null)
            {
                return false;
            }

            if (int.TryParse(part, out _) && type.IsGenericType)
            {
                type = type.GetGenericArguments()[0];
                continue;
            }

            type = type.GetProperty(part)?.PropertyType;
        }

        return type is not null;
    }

    public static YamlMappingNode Map(this YamlNode node, string key) => (YamlMappingNode)node.Get(key)!;

    public static YamlSequenceNode Seq(this YamlNode node, string key) => (YamlSequenceNode)node.Get(key)!;

    public static string Str(this YamlNode node, string key) => ((YamlScalarNode)node.Get(key)!).Value!;

    /// <summary>A key of a mapping, following YAML merge keys (<c>&lt;&lt;: *anchor</c>) as compose files use them.</summary>
    public static YamlNode? Get(this YamlNode node, string key)
    {
        var mapping = (YamlMappingNode)node;
        if (mapping.Children.TryGetValue(new YamlScalarNode(key), out var value))
        {
            return value;
        }

        return mapping.Children.TryGetValue(new YamlScalarNode("<<"), out var merged) ? merged.Get(key) : null;
    }

    /// <summary>Every key of a mapping, merged keys included (own keys win).</summary>
    public static IEnumerable<string> Keys(this YamlNode node)
    {
        var mapping = (YamlMappingNode)node;
        var own = mapping.Children.Keys.Select(k => ((YamlScalarNode)k).Value!).Where(k => k != "<<").ToList();
        var merged = mapping.Children.TryGetValue(new YamlScalarNode("<<"), out var m) ? m.Keys() : [];
        return own.Concat(merged).Distinct(StringComparer.Ordinal);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Gateway.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No Gateway.sln above {AppContext.BaseDirectory}.");
    }
}
