namespace Gateway.Bench.Hosting;

/// <summary>A directory under the system temp path, removed on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    private TempDirectory(string path) => Path = path;

    public string Path { get; }

    public static TempDirectory Create(string prefix) =>
        new(Directory.CreateTempSubdirectory($"gateway-bench-{prefix}-").FullName);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
