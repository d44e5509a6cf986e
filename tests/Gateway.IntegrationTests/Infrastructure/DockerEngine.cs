using System.ComponentModel;
using System.Diagnostics;

namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>Asks the docker CLI, cheaply and with a time limit, whether a Docker engine answers.</summary>
internal static class DockerEngine
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);
    private static readonly Lazy<Task<bool>> Available = new(ProbeAsync);

    public static Task<bool> IsAvailableAsync() => Available.Value;

    /// <summary>Runs <c>docker ARGS</c>; throws with its output when it fails or takes longer than <paramref name="timeout"/>.</summary>
    public static async Task RunAsync(TimeSpan timeout, params string[] args)
    {
        var (exitCode, output) = await RunCoreAsync(timeout, args);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"docker {string.Join(' ', args)} exited {exitCode}: {output}");
        }
    }

    private static async Task<bool> ProbeAsync()
    {
        try
        {
            var (exitCode, _) = await RunCoreAsync(ProbeTimeout, "info", "--format", "{{.ServerVersion}}");
            return exitCode == 0;
        }
        catch (Win32Exception)
        {
            return false; // no docker CLI on PATH
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private static async Task<(int ExitCode, string Output)> RunCoreAsync(TimeSpan timeout, params string[] args)
    {
        var start = new ProcessStartInfo("docker")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = new ProcessOutput("docker");
        output.Attach(process);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"docker {string.Join(' ', args)} did not finish within {timeout.TotalSeconds:0} s.");
        }

        return (process.ExitCode, output.ToString());
    }
}
