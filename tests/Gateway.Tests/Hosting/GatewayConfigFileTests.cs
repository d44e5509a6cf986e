using Gateway.Broker;
using Gateway.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.Hosting.Tests;

/// <summary>
/// Configuration precedence, on the real host builder: defaults &lt; the content root's <c>appsettings.json</c> &lt;
/// <c>Gateway:ConfigFile</c> &lt; environment variables &lt; command line (docs/configuration.md).
/// </summary>
public sealed class GatewayConfigFileTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("gw-config-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task ConfigFile_StartedWhereASampleAppsettingsLies_TheUsersFileWins()
    {
        // The issue as reported: the repository's sample names JetStream and a 15 s heartbeat, the user's file the
        // embedded broker and 5 s.
        Write("appsettings.json", """
            { "Gateway": { "Broker": { "Kind": "JetStream" }, "Push": { "HeartbeatInterval": "00:00:15" } } }
            """);
        var mine = Write("mine/gateway.json", """
            { "Gateway": { "Broker": { "Kind": "Memory" }, "Push": { "HeartbeatInterval": "00:00:05" } } }
            """);

        await using var app = GatewayApplication.Build([$"--contentRoot={_root}", $"--Gateway:ConfigFile={mine}"]);

        Assert.Equal(BrokerKind.Memory, app.Services.GetRequiredService<IOptions<BrokerOptions>>().Value.Kind);
        Assert.Equal(TimeSpan.FromSeconds(5), app.Services.GetRequiredService<IOptions<PushOptions>>().Value.HeartbeatInterval);
    }

    [Fact]
    public async Task EveryLayer_OverridesTheOneBelow_AndLeavesTheRestAlone()
    {
        var probe = "Probe" + Guid.NewGuid().ToString("N");
        Write("appsettings.json", $$"""
            { "{{probe}}": { "Sample": "sample", "File": "sample", "Env": "sample", "Args": "sample" } }
            """);
        var mine = Write("mine/gateway.json", $$"""
            { "{{probe}}": { "File": "file", "Env": "file", "Args": "file" } }
            """);

        // A key no other test reads, so setting it for this process disturbs nothing else.
        Environment.SetEnvironmentVariable($"{probe}__Env", "env");
        Environment.SetEnvironmentVariable($"{probe}__Args", "env");
        try
        {
            await using var app = GatewayApplication.Build([$"--contentRoot={_root}", $"--Gateway:ConfigFile={mine}", $"--{probe}:Args=args"]);

            var section = app.Configuration.GetSection(probe);
            Assert.Equal("sample", section["Sample"]);
            Assert.Equal("file", section["File"]);
            Assert.Equal("env", section["Env"]);
            Assert.Equal("args", section["Args"]);
            Assert.Null(section["Nowhere"]);
        }
        finally
        {
            Environment.SetEnvironmentVariable($"{probe}__Env", null);
            Environment.SetEnvironmentVariable($"{probe}__Args", null);
        }
    }

    [Fact]
    public async Task NothingConfigured_DefaultsApply()
    {
        var mine = Write("mine/gateway.json", "{}");

        await using var app = GatewayApplication.Build([$"--contentRoot={_root}", $"--Gateway:ConfigFile={mine}"]);

        Assert.Equal(new BrokerOptions().Kind, app.Services.GetRequiredService<IOptions<BrokerOptions>>().Value.Kind);
        Assert.Equal(new PushOptions().HeartbeatInterval, app.Services.GetRequiredService<IOptions<PushOptions>>().Value.HeartbeatInterval);
    }

    private string Write(string relative, string json)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, json);
        return path;
    }
}
