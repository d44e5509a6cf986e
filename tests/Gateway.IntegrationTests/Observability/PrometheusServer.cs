using System.Diagnostics;
using System.Globalization;
using System.Net;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Observability;

/// <summary>
/// The real <c>prometheus</c> binary as a child process on a free loopback port, scraping one target every second
/// and evaluating the alert rules (<c>config/alerts.yml</c> unless told otherwise), with its TSDB in a temp directory.
/// Answers PromQL through the HTTP API, so a test can check that the dashboard's and the alerts' queries evaluate
/// against what the gateway really exports.
/// </summary>
internal sealed partial class PrometheusServer : IAsyncDisposable
{
    public const string BinaryVariable = "PROMETHEUS_BIN";

    private static readonly string[] WellKnownDirectories = ["/usr/bin", "/usr/local/bin", "/opt/homebrew/bin"];
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan DefaultWaitTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    private readonly string binary;
    private readonly TempDirectory directory;
    private readonly ProcessOutput output;
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private Process? process;
    private int port;
    private int disposed;

    private PrometheusServer(string binary, string target, string rulesFile, ITestOutputHelper? testOutput)
    {
        this.binary = binary;
        Target = target;
        RulesFile = rulesFile;
        directory = TempDirectory.Create("prometheus");
        output = new ProcessOutput("prometheus", TestOutput.Echo(testOutput));
        AppDomain.CurrentDomain.ProcessExit += OnTestHostExit;
    }

    /// <summary>Base URL of the HTTP API and UI, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string Url => $"http://127.0.0.1:{port}";

    /// <summary>The scraped <c>host:port</c> (path <c>/metrics</c>).</summary>
    public string Target { get; }

    public string RulesFile { get; }

    public string ConfigFile => Path.Combine(directory.Path, "prometheus.yml");

    /// <summary>What the process printed (the most recent lines), for failure messages.</summary>
    public string Output => output.ToString();

    /// <summary>
    /// Starts Prometheus scraping <paramref name="target"/> (<c>host:port</c>, path <c>/metrics</c>) every second and
    /// waits until it is ready. Throws with install instructions if the binary is missing.
    /// </summary>
    /// <param name="rulesFile">Rule file to evaluate every second; default the repository's <c>config/alerts.yml</c>.</param>
    public static async Task<PrometheusServer> StartAsync(
        string target,
        string? rulesFile = null,
        ITestOutputHelper? output = null,
        CancellationToken cancellationToken = default)
    {
        var server = new PrometheusServer(FindBinary(), target, Path.GetFullPath(rulesFile ?? DashboardQueries.AlertsPath), output);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                server.port = FreePort.Next();
                try
                {
                    await server.LaunchAsync(cancellationToken);
                    return server;
                }
                catch (InvalidOperationException) when (attempt < 3 && server.output.Contains("address already in use"))
                {
                    // Another process took the port between FreePort.Next and the bind; try a new one.
                }
            }
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit -= OnTestHostExit;
        if (process is { } running)
        {
            try
            {
                if (!running.HasExited)
                {
                    running.Kill(entireProcessTree: true);
                    using var cts = new CancellationTokenSource(ExitTimeout);
                    await running.WaitForExitAsync(cts.Token);
                }
            }
            catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
            {
                // Already gone, or stuck in the kernel: the temp directory is deleted on a best-effort basis anyway.
            }

            running.Dispose();
        }

        http.Dispose();
        directory.Dispose();
    }

    private static string FindBinary()
    {
        if (Environment.GetEnvironmentVariable(BinaryVariable) is { Length: > 0 } configured)
        {
            return File.Exists(configured)
                ? configured
                : throw new InvalidOperationException($"{BinaryVariable}={configured} does not exist.");
        }

        var name = OperatingSystem.IsWindows() ? "prometheus.exe" : "prometheus";
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(WellKnownDirectories)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException(
                "The observability tests need the prometheus binary (/usr/bin/prometheus) and found none. Run scripts/test.sh, "
                + "which installs it as root (Debian package `prometheus`, which also brings promtool), or `apt-get install prometheus`, "
                + $"or set {BinaryVariable} to its path.");
    }

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        await File.WriteAllTextAsync(ConfigFile, ConfigYaml(), cancellationToken);
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            $"--config.file={ConfigFile}",
            $"--storage.tsdb.path={Path.Combine(directory.Path, "data")}",
            $"--web.listen-address=127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
        })
        {
            start.ArgumentList.Add(arg);
        }

        output.Append($"--- starting {binary} {string.Join(' ', start.ArgumentList)}");
        var started = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {binary}.");
        output.Attach(started);
        process?.Dispose(); // an earlier attempt that lost its port
        process = started;

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(ReadyTimeout);
        try
        {
            while (true)
            {
                if (started.HasExited)
                {
                    // Let the output readers catch the last lines (the bind error, a config error) before reporting.
                    await started.WaitForExitAsync(cancellationToken);
                    throw new InvalidOperationException($"prometheus exited with code {started.ExitCode} while starting.{Environment.NewLine}{Output}");
                }

                try
                {
                    using var response = await http.GetAsync($"{Url}/-/ready", cts.Token);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        return;
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }

                await Task.Delay(PollInterval, cts.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"prometheus was not ready at {Url}/-/ready within {ReadyTimeout.TotalSeconds:0} s.{Environment.NewLine}{Output}");
        }
    }

    private string ConfigYaml() =>
        $"""
        # Written by {nameof(PrometheusServer)} for one test run.
        global:
          scrape_interval: 1s
          scrape_timeout: 1s
          evaluation_interval: 1s
        rule_files:
          - "{RulesFile}"
        scrape_configs:
          - job_name: gateway
            metrics_path: /metrics
            static_configs:
              - targets: ["{Target}"]
        """;

    private void OnTestHostExit(object? sender, EventArgs e)
    {
        try
        {
            process?.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }
}
