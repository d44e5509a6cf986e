using System.Text;

namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>A temp directory holding one gateway instance's <c>appsettings.json</c>.</summary>
internal sealed class GatewayConfigDirectory : IDisposable
{
    private readonly TempDirectory directory;

    private GatewayConfigDirectory(TempDirectory directory)
    {
        this.directory = directory;
        FilePath = Path.Combine(directory.Path, "appsettings.json");
    }

    public string FilePath { get; }

    public static GatewayConfigDirectory Create(string json)
    {
        var config = new GatewayConfigDirectory(TempDirectory.Create("gateway-config"));
        File.WriteAllText(config.FilePath, json, Encoding.UTF8);
        return config;
    }

    /// <summary>
    /// Replaces the file in one step (write aside, then rename over it) so the gateway's file watcher never reads a
    /// half-written file, as an editor or a config-management tool saving it would.
    /// </summary>
    public async Task UpdateAsync(string json, CancellationToken cancellationToken)
    {
        var staging = FilePath + $".{Guid.NewGuid():N}.tmp";
        await File.WriteAllTextAsync(staging, json, Encoding.UTF8, cancellationToken);
        File.Move(staging, FilePath, overwrite: true);
    }

    public void Dispose() => directory.Dispose();
}
