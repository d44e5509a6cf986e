using System.Diagnostics;
using System.Globalization;
using NATS.Client.Core;

namespace Gateway.Bench.Hosting;

/// <summary>
/// A nats-server of the benchmark's own: loopback only, a free port, JetStream storing into a temp directory that is
/// removed with it. Killed (not drained) on dispose: nothing in it is worth keeping.
/// </summary>
internal sealed class NatsServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(20);

    private readonly TempDirectory _store = TempDirectory.Create("nats");
    private readonly OutputTail _output = new("nats-server", ["[WRN]", "[ERR]", "[FTL]"]);
    private Process? _process;

    private NatsServerProcess(int port) => Port = port;

    public int Port { get; }

    public string Url => $"nats://127.0.0.1:{Port}";

    /// <summary>Warning and error lines nats-server has logged (slow consumers show here).</summary>
    public IReadOnlyList<string> ProblemLines() => _output.Problems();

    public Process Process => _process ?? throw new InvalidOperationException("nats-server is not running.");

    public static async Task<NatsServerProcess> StartAsync(string binary, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var server = new NatsServerProcess(FreePort.Next());
            try
            {
                await server.RunAsync(binary, cancellationToken);
                return server;
            }
            catch (InvalidOperationException) when (attempt < 3 && server._output.Contains("address already in use"))
            {
                await server.DisposeAsync();
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { } p)
        {
            if (!p.HasExited)
            {
                p.Kill();
                await p.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
            }

            p.Dispose();
        }

        _store.Dispose();
    }

    private async Task RunAsync(string binary, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-a", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-js", "-sd", _store.Path })
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {binary}");
        _output.Attach(_process);

        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"nats-server exited with code {_process.ExitCode}.{Environment.NewLine}{_output}");
            }

            try
            {
                await using var probe = new NatsConnection(new NatsOpts { Url = Url, Name = "bench-probe", ConnectTimeout = TimeSpan.FromSeconds(1) });
                await probe.ConnectAsync();
                return;
            }
            catch (NatsException) when (deadline.Elapsed < ReadyTimeout)
            {
                await Task.Delay(100, cancellationToken);
            }
        }
    }
}
