namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>
/// Chooses where the tests' nats-server comes from: <c>NATS_URL</c> if set; else a container when a Docker engine
/// answers; else the <c>nats-server</c> binary. <c>GATEWAY_TEST_NATS=binary|docker</c> forces one of the last two.
/// </summary>
internal static class NatsServerLocator
{
    public const string UrlVariable = "NATS_URL";
    public const string MonitorUrlVariable = "NATS_MONITOR_URL";
    public const string BinaryVariable = "NATS_SERVER_BIN";
    public const string ModeVariable = "GATEWAY_TEST_NATS";

    private static readonly string[] WellKnownDirectories = ["/usr/sbin", "/usr/local/bin", "/usr/bin", "/opt/homebrew/bin"];

    public static async Task<INatsServer> LaunchAsync(CancellationToken cancellationToken)
    {
        if (Environment.GetEnvironmentVariable(UrlVariable) is { Length: > 0 } url)
        {
            return new ExternalNatsServer(url, Environment.GetEnvironmentVariable(MonitorUrlVariable));
        }

        var mode = Environment.GetEnvironmentVariable(ModeVariable)?.Trim().ToLowerInvariant();
        if (mode is "docker" || (mode is null or "" && await DockerEngine.IsAvailableAsync()))
        {
            return await NatsServerContainer.LaunchAsync(cancellationToken);
        }

        var binary = FindBinary() ?? throw new InvalidOperationException(
            "The integration tests need a nats-server (2.9 or later, with JetStream) and found none. Either:\n"
            + "  - install the binary: `apt-get install nats-server` (Debian/Ubuntu), `brew install nats-server`, "
            + "or a release from https://github.com/nats-io/nats-server/releases, on PATH or at /usr/sbin "
            + $"(or set {BinaryVariable} to its path); or\n"
            + "  - start a Docker engine: the tests then run nats:2.10 through Testcontainers; or\n"
            + $"  - set {UrlVariable} to a running server started with -js (and {MonitorUrlVariable} to its -m monitoring URL).");
        return await NatsServerProcess.LaunchAsync(binary, cancellationToken);
    }

    internal static string? FindBinary()
    {
        if (Environment.GetEnvironmentVariable(BinaryVariable) is { Length: > 0 } configured)
        {
            return File.Exists(configured)
                ? configured
                : throw new InvalidOperationException($"{BinaryVariable}={configured} does not exist.");
        }

        var name = OperatingSystem.IsWindows() ? "nats-server.exe" : "nats-server";
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(WellKnownDirectories)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
    }
}
