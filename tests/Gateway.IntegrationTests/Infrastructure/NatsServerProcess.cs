using System.Diagnostics;
using System.Globalization;

namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>
/// A <c>nats-server</c> binary run as a child process on loopback ports chosen at start, with JetStream storing
/// into a temp directory. Restarts reuse the ports and the directory, so clients reconnect to the same URL and
/// JetStream data survives.
/// </summary>
internal sealed class NatsServerProcess : INatsServer
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(15);

    private readonly string binary;
    private readonly TempDirectory store;
    private readonly ProcessOutput output;
    private readonly Lock gate = new();
    private int port;
    private int monitorPort;
    private Process? process;
    private bool disposed;

    private NatsServerProcess(string binary)
    {
        this.binary = binary;
        store = TempDirectory.Create("nats");
        output = new ProcessOutput("nats-server", output: null);
        AppDomain.CurrentDomain.ProcessExit += OnTestHostExit;
    }

    public string Url => $"nats://127.0.0.1:{port}";

    public string MonitorUrl => $"http://127.0.0.1:{monitorPort}";

    public string Description => $"{binary} at {Url}, monitoring at {MonitorUrl}, JetStream store {store.Path}";

    /// <summary>Starts the binary on free ports, retrying with new ports if another process took them meanwhile.</summary>
    public static async Task<NatsServerProcess> LaunchAsync(string binary, CancellationToken cancellationToken)
    {
        var server = new NatsServerProcess(binary);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                server.port = FreePort.Next();
                server.monitorPort = FreePort.Next();
                try
                {
                    await server.StartAsync(cancellationToken);
                    return server;
                }
                catch (InvalidOperationException) when (attempt < 3 && server.output.Contains("address already in use"))
                {
                }
            }
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Process started;
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (process is { HasExited: false })
            {
                return;
            }

            process?.Dispose();
            process = started = StartProcess();
        }

        await NatsProbe.WaitReadyAsync(
            "127.0.0.1",
            port,
            MonitorUrl,
            ReadyTimeout,
            () => started.HasExited ? $"exited with code {started.ExitCode}.{Environment.NewLine}{output}" : null,
            cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => SignalAndWaitAsync(PosixSignals.SigTerm, cancellationToken);

    public Task KillAsync(CancellationToken cancellationToken) => SignalAndWaitAsync(PosixSignals.SigKill, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        lock (gate)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
        }

        AppDomain.CurrentDomain.ProcessExit -= OnTestHostExit;
        await SignalAndWaitAsync(PosixSignals.SigKill, CancellationToken.None);
        process?.Dispose();
        store.Dispose();
    }

    private Process StartProcess()
    {
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "-a", "127.0.0.1",
            "-p", port.ToString(CultureInfo.InvariantCulture),
            "-m", monitorPort.ToString(CultureInfo.InvariantCulture),
            "-js",
            "-sd", store.Path,
        })
        {
            start.ArgumentList.Add(arg);
        }

        output.Append($"--- starting {binary} {string.Join(' ', start.ArgumentList)}");
        var started = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {binary}.");
        output.Attach(started);
        return started;
    }

    private async Task SignalAndWaitAsync(int signal, CancellationToken cancellationToken)
    {
        Process? running;
        lock (gate)
        {
            running = process;
        }

        if (running is null || running.HasExited)
        {
            return;
        }

        if (signal == PosixSignals.SigKill)
        {
            running.Kill(entireProcessTree: true);
        }
        else
        {
            PosixSignals.Send(running, signal);
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(ExitTimeout);
        try
        {
            await running.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            running.Kill(entireProcessTree: true);
            throw new TimeoutException(
                $"nats-server did not exit within {ExitTimeout.TotalSeconds:0} s of signal {signal}; killed it.{Environment.NewLine}{output}");
        }
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
