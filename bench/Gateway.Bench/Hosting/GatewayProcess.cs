using System.Diagnostics;
using System.Net;

namespace Gateway.Bench.Hosting;

/// <summary>
/// The gateway as users run it: <c>dotnet Gateway.dll</c> with a config file of the benchmark's own, loopback listeners
/// on free ports and the JetStream broker. Its working directory is a temp directory, so the repository's root
/// <c>appsettings.json</c> (sample routes and backends) does not leak in as the default content-root file.
/// </summary>
internal sealed class GatewayProcess : IAsyncDisposable
{
    /// <summary>
    /// Every connect, poll and session limit far above what the benchmark does: it measures delivery, not the edge limits
    /// (and all its clients share one address, 127.0.0.1, so per-client limits would see them as one client).
    /// </summary>
    public const string ConfigJson = """
        {"Gateway":{"Limits":{"GlobalConnectRate":100000,"GlobalConnectBurst":100000,"ConnectRatePerClient":100000,"ConnectBurstPerClient":100000,"PollRatePerClient":100000,"PollBurstPerClient":100000,"MaxSessionsPerClient":1000000,"MaxPollsInFlightPerClient":1000000,"MaxNegotiationsInFlightPerClient":1000000}},"ReverseProxy":{"Routes":{"bench":{"Match":{"Path":"/bench/{topic}/events"},"Metadata":{"Push.Subject":"bench.{topic}"}}},"Clusters":{}}}
        """;

    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _directory = TempDirectory.Create("gateway");
    private readonly ProcessOutput _output = new("gateway", problemMarkers: [" warn: ", " fail: ", " crit: "], capacity: 200);
    private Process? _process;

    private GatewayProcess(int publicPort, int managementPort)
    {
        PublicPort = publicPort;
        ManagementPort = managementPort;
    }

    public int PublicPort { get; }

    public int ManagementPort { get; }

    public Uri PublicUrl => new($"http://127.0.0.1:{PublicPort}");

    public Uri ManagementUrl => new($"http://127.0.0.1:{ManagementPort}");

    public int Pid => _process?.Id ?? throw new InvalidOperationException("The gateway is not running.");

    public Process Process => _process ?? throw new InvalidOperationException("The gateway is not running.");

    public bool HasExited => _process?.HasExited ?? true;

    public string Output => _output.ToString();

    /// <summary>Warning, error and critical lines the gateway has logged (console format <c>warn:</c>, <c>fail:</c>, <c>crit:</c>).</summary>
    public IReadOnlyList<string> ProblemLines() => _output.Problems();

    public static Task<GatewayProcess> StartAsync(string dll, string natsUrl, CancellationToken cancellationToken) =>
        StartAsync(dll, natsUrl, ConfigJson, cancellationToken);

    /// <summary>Starts the gateway with <paramref name="configJson"/> as its config file (routes, limits, drain settings).</summary>
    public static Task<GatewayProcess> StartAsync(string dll, string natsUrl, string configJson, CancellationToken cancellationToken) =>
        StartAsync(dll, natsUrl, configJson, "JetStream", cancellationToken);

    /// <summary>As above, with <c>Gateway:Broker:Kind</c> = <paramref name="brokerKind"/> (<c>JetStream</c> or <c>Nats</c>).</summary>
    public static async Task<GatewayProcess> StartAsync(string dll, string natsUrl, string configJson, string brokerKind, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var gateway = new GatewayProcess(FreePort.Next(), FreePort.Next());
            try
            {
                await gateway.RunAsync(dll, natsUrl, configJson, brokerKind, cancellationToken);
                return gateway;
            }
            catch (InvalidOperationException) when (attempt < 3 && gateway._output.Contains("address already in use"))
            {
                await gateway.DisposeAsync();
            }
            catch
            {
                await gateway.DisposeAsync();
                throw;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        // SIGKILL, not SIGTERM: a SIGTERM starts the 30 s drain, which is not what is measured here.
        if (_process is { } p)
        {
            if (!p.HasExited)
            {
                p.Kill();
                await p.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
            }

            p.Dispose();
        }

        _directory.Dispose();
    }

    private async Task RunAsync(string dll, string natsUrl, string configJson, string brokerKind, CancellationToken cancellationToken)
    {
        var config = Path.Combine(_directory.Path, "bench-gateway.json");
        await File.WriteAllTextAsync(config, configJson, cancellationToken);

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _directory.Path,
        };
        foreach (var arg in new[]
        {
            dll,
            $"--Gateway:ConfigFile={config}",
            $"--Kestrel:Endpoints:Public:Url=http://127.0.0.1:{PublicPort}",
            $"--Kestrel:Endpoints:Management:Url=http://127.0.0.1:{ManagementPort}",
            $"--Gateway:Broker:Url={natsUrl}",
            $"--Gateway:Broker:Kind={brokerKind}",
        })
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        _output.Attach(_process);

        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the gateway exited with code {_process.ExitCode}.{Environment.NewLine}{_output}");
            }

            try
            {
                using var response = await probe.GetAsync(new Uri(ManagementUrl, "/readyz"), cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            if (deadline.Elapsed > ReadyTimeout)
            {
                throw new TimeoutException($"the gateway was not ready within {ReadyTimeout.TotalSeconds:0} s.{Environment.NewLine}{_output}");
            }

            await Task.Delay(100, cancellationToken);
        }
    }
}
