using System.Diagnostics;
using System.Globalization;

namespace Gateway.Testing;

/// <summary>
/// A <c>nats-server</c> binary run as a child process on loopback ports chosen at start, with JetStream storing
/// into a temp directory. Restarts reuse the ports and the directory, so clients reconnect to the same URL and
/// JetStream data survives. As a member of a <see cref="NatsCluster"/> it also listens for routes and names itself.
/// </summary>
internal sealed class NatsServerProcess : INatsServer
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(15);

    private static readonly string[] ProblemMarkers = ["[WRN]", "[ERR]", "[FTL]"];

    private readonly string binary;
    private readonly TempDirectory store;
    private readonly ProcessOutput output;
    private readonly Lock gate = new();
    private readonly NatsClusterMember? member;
    private int port;
    private int monitorPort;
    private Process? process;
    private bool disposed;
    private bool paused;

    private readonly IReadOnlyList<string> extraArguments;

    private NatsServerProcess(string binary, NatsClusterMember? member = null, Action<string>? echo = null, IReadOnlyList<string>? extraArguments = null)
    {
        this.binary = binary;
        this.extraArguments = extraArguments ?? [];
        this.member = member;
        store = TempDirectory.Create("nats");
        output = new ProcessOutput(member?.Name ?? "nats-server", echo, ProblemMarkers);
        AppDomain.CurrentDomain.ProcessExit += OnTestHostExit;
    }

    public string Url => $"nats://127.0.0.1:{port}";

    public int Port => port;

    public string MonitorUrl => $"http://127.0.0.1:{monitorPort}";

    /// <summary>The server name (<c>-n</c>) in a cluster; <c>nats-server</c> alone.</summary>
    public string Name => member?.Name ?? "nats-server";

    public string Description => $"{binary} at {Url}, monitoring at {MonitorUrl}, JetStream store {store.Path}";

    /// <summary>The running process (for CPU and memory readings).</summary>
    public Process Process => process ?? throw new InvalidOperationException("nats-server is not running.");

    /// <summary>Whether the process runs (it may be paused by <see cref="Pause"/>).</summary>
    public bool IsRunning => process is { HasExited: false };

    /// <summary>Warning and error lines the server logged (slow consumers, lost routes), oldest first.</summary>
    public IReadOnlyList<string> ProblemLines() => output.Problems();

    /// <summary>The recent output of all runs, for failure messages.</summary>
    public string Output => output.ToString();

    /// <summary>A cluster member on fixed ports, not started: the cluster starts all members, then waits for them.</summary>
    internal static NatsServerProcess ForCluster(string binary, NatsClusterMember member, Action<string>? echo) =>
        new(binary, member, echo) { port = member.ClientPort, monitorPort = member.MonitorPort };

    /// <summary>Starts the binary on free ports, retrying with new ports if another process took them meanwhile.</summary>
    public static Task<NatsServerProcess> LaunchAsync(string binary, CancellationToken cancellationToken) =>
        LaunchAsync(binary, [], cancellationToken);

    /// <summary>As <see cref="LaunchAsync(string, CancellationToken)"/>, with more arguments (say <c>-c limits.conf</c>
    /// for a lower <c>max_pending</c>); the ports and the store given here win over a config file's.</summary>
    public static async Task<NatsServerProcess> LaunchAsync(string binary, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var server = new NatsServerProcess(binary, extraArguments: arguments);
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
        Spawn();
        await WaitReadyAsync(cancellationToken);
    }

    /// <summary>Starts the process unless it runs; does not wait for it.</summary>
    public void Spawn()
    {
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (process is { HasExited: false })
            {
                return;
            }

            process?.Dispose();
            process = StartProcess();
            paused = false;
        }
    }

    /// <summary>Waits until the server accepts clients and its <c>/healthz</c> (JetStream included) says ok.</summary>
    public async Task WaitReadyAsync(CancellationToken cancellationToken)
    {
        var started = Process;
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

    /// <summary>SIGSTOP: the server freezes with its sockets open, as a hung host or a network black hole looks to peers.</summary>
    public void Pause()
    {
        lock (gate)
        {
            PosixSignals.Send(Process, PosixSignals.SigStop);
            paused = true;
        }
    }

    /// <summary>SIGCONT after <see cref="Pause"/>.</summary>
    public void Resume()
    {
        lock (gate)
        {
            if (paused)
            {
                PosixSignals.Send(Process, PosixSignals.SigCont);
                paused = false;
            }
        }
    }

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
        foreach (var arg in extraArguments)
        {
            start.ArgumentList.Add(arg);
        }

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

        foreach (var arg in member?.Arguments() ?? [])
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
            Resume(); // a stopped process handles SIGTERM only once it runs again
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
