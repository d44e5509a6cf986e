using System.Diagnostics;

namespace Gateway.Bench.Peers;

/// <summary>What each peer says its version is (nginx and wrk print it on stderr; nchan's is the Debian package's).</summary>
internal static class Versions
{
    public static async Task<IReadOnlyDictionary<string, string>> CaptureAsync(BenchOptions options, CancellationToken cancellationToken) =>
        new Dictionary<string, string>
        {
            ["nginx"] = await FirstLineAsync(options.Nginx, ["-v"], cancellationToken),
            ["nchan"] = await FirstLineAsync("dpkg-query", ["-W", "-f=${Version}", "libnginx-mod-nchan"], cancellationToken),
            ["nats-server"] = await FirstLineAsync(options.NatsServer, ["--version"], cancellationToken),
            ["wrk"] = await FirstLineAsync(options.Wrk, ["-v"], cancellationToken),
            ["dotnet"] = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
        };

    private static async Task<string> FirstLineAsync(string file, string[] args, CancellationToken cancellationToken)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false });
            if (process is null)
            {
                return "unknown";
            }

            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            var text = (await output).Trim() is { Length: > 0 } o ? o : (await error).Trim();
            return text.Split('\n')[0].Trim();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "not found";
        }
    }
}
