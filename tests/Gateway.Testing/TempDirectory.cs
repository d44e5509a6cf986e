namespace Gateway.Testing;

/// <summary>A fresh directory under the system temp folder, deleted with everything in it on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    private TempDirectory(string path) => Path = path;

    public string Path { get; }

    public static TempDirectory Create(string purpose)
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"gateway-tests-{purpose}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return new TempDirectory(path);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (IOException)
        {
            // A process that was just killed may still hold a file for a moment; a leftover temp dir is harmless.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
