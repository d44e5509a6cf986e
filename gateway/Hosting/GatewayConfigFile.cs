namespace Gateway.Hosting;

/// <summary>
/// Finds the gateway's <c>appsettings.json</c>. The file lives at the repository root (not next to the project),
/// so <c>dotnet run --project gateway</c> from the root and a published build both find it; it is watched for
/// changes because routes and transport flags are hot-reloaded.
/// </summary>
internal static class GatewayConfigFile
{
    public const string Key = "Gateway:ConfigFile";

    public static IConfigurationBuilder AddGatewayConfigFile(this ConfigurationManager configuration, string[] args)
    {
        var path = configuration[Key] ?? Environment.GetEnvironmentVariable("GATEWAY_CONFIG") ?? Find();
        if (path is null)
        {
            return configuration;
        }

        var full = Path.GetFullPath(path);
        var sources = configuration.Sources;

        // Precedence (docs/configuration.md): defaults < appsettings.json of the content root < this file < environment
        // variables < command line.
        var fileProvider = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(Path.GetDirectoryName(full)!);
        var source = new Microsoft.Extensions.Configuration.Json.JsonConfigurationSource
        {
            Path = Path.GetFileName(full),
            Optional = false,
            ReloadOnChange = true,
            FileProvider = fileProvider,
            ReloadDelay = 100,
        };
        sources.Insert(InsertAt(sources), source);
        configuration[Key + "Resolved"] = full;
        _ = args;
        return configuration;
    }

    /// <summary>
    /// Right before the unprefixed environment variables that the host adds after its json files. The host also adds
    /// prefixed ones (<c>DOTNET_</c>, <c>ASPNETCORE_</c>) before everything else: inserting before the first
    /// environment source put the file below the content root's <c>appsettings.json</c>, so the sample won.
    /// </summary>
    private static int InsertAt(IList<IConfigurationSource> sources)
    {
        for (var i = sources.Count - 1; i >= 0; i--)
        {
            if (sources[i] is Microsoft.Extensions.Configuration.EnvironmentVariables.EnvironmentVariablesConfigurationSource { Prefix: null or "" })
            {
                return i;
            }
        }

        for (var i = sources.Count - 1; i >= 0; i--)
        {
            if (sources[i] is Microsoft.Extensions.Configuration.CommandLine.CommandLineConfigurationSource)
            {
                return i;
            }
        }

        return sources.Count;
    }

    private static string? Find()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "appsettings.json");
                if (File.Exists(candidate) && File.Exists(Path.Combine(dir.FullName, "Gateway.sln")))
                {
                    return candidate;
                }
            }
        }

        var local = Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json");
        return File.Exists(local) ? local : null;
    }
}
