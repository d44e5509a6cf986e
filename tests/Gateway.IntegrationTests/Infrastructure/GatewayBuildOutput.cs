using System.Reflection;

namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>
/// Finds the built <c>Gateway.dll</c> to run out of process: <c>gateway/bin/CONFIGURATION/TFM/</c> under the
/// repository root, in the same configuration and target framework as this test assembly (the test project
/// references the gateway, so building the tests builds it). <c>GATEWAY_DLL</c> overrides the search.
/// </summary>
internal static class GatewayBuildOutput
{
    public const string DllVariable = "GATEWAY_DLL";

    private static readonly string[] RootMarkers = ["Gateway.sln", "Gateway.slnx"];

    public static string FindGatewayDll()
    {
        if (Environment.GetEnvironmentVariable(DllVariable) is { Length: > 0 } configured)
        {
            return File.Exists(configured) ? configured : throw new FileNotFoundException($"{DllVariable}={configured} does not exist.", configured);
        }

        var root = FindRepositoryRoot();
        var configuration = TestAssemblyConfiguration();
        var framework = new DirectoryInfo(AppContext.BaseDirectory).Name; // .../bin/Release/net10.0/
        var dll = Path.Combine(root, "gateway", "bin", configuration, framework, "Gateway.dll");
        return File.Exists(dll)
            ? dll
            : throw new FileNotFoundException(
                $"The gateway is not built at {dll}. Build it first: dotnet build gateway/Gateway.csproj -c {configuration}", dll);
    }

    public static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (RootMarkers.Any(marker => File.Exists(Path.Combine(dir.FullName, marker)))
                || File.Exists(Path.Combine(dir.FullName, "gateway", "Gateway.csproj")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No repository root (Gateway.sln, or gateway/Gateway.csproj) above {AppContext.BaseDirectory}.");
    }

    private static string TestAssemblyConfiguration()
    {
        // The SDK stamps the build configuration into every assembly; the output path is the fallback.
        var stamped = typeof(GatewayBuildOutput).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration;
        if (!string.IsNullOrEmpty(stamped))
        {
            return stamped;
        }

        return new DirectoryInfo(AppContext.BaseDirectory).Parent?.Name
            ?? throw new InvalidOperationException($"Cannot tell the build configuration from {AppContext.BaseDirectory}.");
    }
}
