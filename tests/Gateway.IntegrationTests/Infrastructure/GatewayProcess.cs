using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>
/// One gateway running as a child process (<c>dotnet Gateway.dll</c>), for what an in-process server cannot
/// show: SIGKILL, SIGTERM and the exit code. Output is captured for failure messages.
/// </summary>
internal sealed class GatewayProcess : IAsyncDisposable
{
    private static readonly TimeSpan HealthyTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan DefaultStopTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan KillTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan OutputDrainTimeout = TimeSpan.FromSeconds(10);
    private static readonly HttpClient Probe = new() { Timeout = TimeSpan.FromSeconds(2) };

    private readonly GatewayLaunchOptions options;
    private readonly GatewayConfigDirectory config;
    private readonly string dll;
    private readonly ProcessOutput output;
    private Process? process;
    private int publicPort;
    private int managementPort;

    private GatewayProcess(GatewayLaunchOptions options, GatewayConfigDirectory config, string dll)
    {
        this.options = options;
        this.config = config;
        this.dll = dll;
        output = new ProcessOutput("gateway", TestOutput.Echo(options.Output));
        AppDomain.CurrentDomain.ProcessExit += OnTestHostExit;
    }

    /// <summary>Public listener, e.g. <c>http://127.0.0.1:40125</c> (no trailing slash); unchanged by <see cref="RestartAsync"/>.</summary>
    public string PublicUrl => $"http://127.0.0.1:{publicPort}";

    /// <summary>Management listener; unchanged by <see cref="RestartAsync"/>.</summary>
    public string ManagementUrl => $"http://127.0.0.1:{managementPort}";

    /// <summary>A client for the public listener; relative URIs resolve against <see cref="PublicUrl"/>.</summary>
    public HttpClient PublicClient { get; private set; } = null!;

    /// <summary>A client for the management listener.</summary>
    public HttpClient ManagementClient { get; private set; } = null!;

    /// <summary>The process id of the current run.</summary>
    public int Id => Current.Id;

    public bool HasExited => Current.HasExited;

    /// <summary>The instance's <c>appsettings.json</c>.</summary>
    public string ConfigPath => config.FilePath;

    /// <summary>The recent stdout and stderr lines of all runs, for failure messages.</summary>
    public string Output => output.ToString();

    private Process Current => process ?? throw new InvalidOperationException("The gateway process has not been started.");

    /// <summary>Starts the gateway and returns once its management <c>/healthz</c> answers 200.</summary>
    public static async Task<GatewayProcess> StartAsync(GatewayLaunchOptions options, CancellationToken cancellationToken = default)
    {
        var dll = GatewayBuildOutput.FindGatewayDll();
        var gateway = new GatewayProcess(options, GatewayConfigDirectory.Create(options.ConfigJson), dll);
        try
        {
            var pickPorts = options.PublicPort == 0 && options.ManagementPort == 0;
            for (var attempt = 1; ; attempt++)
            {
                gateway.publicPort = options.PublicPort != 0 ? options.PublicPort : FreePort.Next();
                gateway.managementPort = options.ManagementPort != 0 ? options.ManagementPort : FreePort.Next();
                try
                {
                    await gateway.RunAsync(cancellationToken);
                    break;
                }
                catch (InvalidOperationException) when (attempt < 3 && pickPorts && gateway.output.Contains("address already in use"))
                {
                }
            }

            gateway.PublicClient = GatewayHttp.CreateClient(gateway.PublicUrl);
            gateway.ManagementClient = GatewayHttp.CreateClient(gateway.ManagementUrl);
            return gateway;
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the gateway again after it exited, on the same ports and with the same configuration file.</summary>
    public Task RestartAsync(CancellationToken cancellationToken = default)
    {
        if (process is { HasExited: false })
        {
            throw new InvalidOperationException("The gateway is still running; Kill() or StopAsync() it first.");
        }

        return RunAsync(cancellationToken);
    }

    /// <summary>Rewrites <c>appsettings.json</c> atomically; the gateway picks it up through its file watcher.</summary>
    public Task UpdateConfigAsync(string json, CancellationToken cancellationToken = default) => config.UpdateAsync(json, cancellationToken);

    /// <inheritdoc cref="UpdateConfigAsync(string, CancellationToken)"/>
    public Task UpdateConfigAsync(JsonNode json, CancellationToken cancellationToken = default) => config.UpdateAsync(json.ToJsonString(), cancellationToken);

    /// <summary>SIGKILL to the gateway and anything it started: no drain, no goodbye, as a crash or OOM kill.</summary>
    public void Kill()
    {
        if (process is { HasExited: false } running)
        {
            running.Kill(entireProcessTree: true);
            if (!running.WaitForExit(KillTimeout))
            {
                throw new TimeoutException($"The gateway (pid {running.Id}) did not die within {KillTimeout.TotalSeconds:0} s of SIGKILL.");
            }
        }
    }

    /// <summary>
    /// SIGTERM, as an orchestrator sends on deploy, then waits for the exit (drain included) and returns the exit
    /// code. After <paramref name="timeout"/> (default 60 s) the process is killed and a <see cref="TimeoutException"/> thrown.
    /// </summary>
    public async Task<int> StopAsync(TimeSpan? timeout = null)
    {
        var running = Current;
        if (!running.HasExited)
        {
            PosixSignals.Send(running, PosixSignals.SigTerm);
        }

        return await WaitForExitAsync(timeout ?? DefaultStopTimeout);
    }

    /// <summary>Waits for the process to exit by itself and returns its exit code; on timeout kills it and throws.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        var running = Current;
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await running.WaitForExitAsync(cts.Token);
            await output.WaitForEndAsync(OutputDrainTimeout);
            return running.ExitCode;
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException(
                $"The gateway (pid {running.Id}) did not exit within {timeout.TotalSeconds:0} s; killed it. Output:{Environment.NewLine}{Output}");
        }
    }

    public ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnTestHostExit;
        try
        {
            Kill();
        }
        finally
        {
            process?.Dispose();
            PublicClient?.Dispose();
            ManagementClient?.Dispose();
            config.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        process?.Dispose();
        var started = process = Launch();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(HealthyTimeout);
        var healthz = $"{ManagementUrl}/healthz";
        var last = "no answer yet";
        while (true)
        {
            if (started.HasExited)
            {
                // The exit can be seen before the last lines come through the pipes: read them to the end first.
                if (!await output.WaitForEndAsync(OutputDrainTimeout))
                {
                    output.Append($"--- the output did not reach its end within {OutputDrainTimeout.TotalSeconds:0} s of the exit");
                }

                throw new InvalidOperationException(
                    $"The gateway exited with code {started.ExitCode} before {healthz} answered. Output:{Environment.NewLine}{Output}");
            }

            try
            {
                using var response = await Probe.GetAsync(healthz, cts.Token);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }

                last = $"{(int)response.StatusCode} {response.ReasonPhrase}";
            }
            catch (HttpRequestException ex)
            {
                last = ex.Message;
            }
            catch (OperationCanceledException) when (!cts.IsCancellationRequested)
            {
                last = "no answer within 2 s";
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                break;
            }

            try
            {
                await Task.Delay(100, cts.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                break;
            }
        }

        Kill();
        throw new TimeoutException(
            $"The gateway's {healthz} did not answer 200 within {HealthyTimeout.TotalSeconds:0} s (last: {last}); killed it. Output:{Environment.NewLine}{Output}");
    }

    private Process Launch()
    {
        // DOTNET_HOST_PATH is set by the SDK for test runs; it is the dotnet that runs these tests.
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,

            // Away from any appsettings.json that the content root would pick up besides the test's own file.
            WorkingDirectory = Path.GetDirectoryName(config.FilePath)!,
        };
        start.ArgumentList.Add(dll);
        foreach (var arg in options.BuildArgs(publicPort, managementPort, config.FilePath))
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in options.Environment)
        {
            start.Environment[name] = value;
        }

        output.Append($"--- starting {dotnet} {string.Join(' ', start.ArgumentList)}");
        var started = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {dotnet} {dll}.");
        output.Attach(started);
        return started;
    }

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
