using System.Diagnostics;
using System.Net;

namespace Gateway.Bench.Hosting;

/// <summary>
/// One of the benchmark's own small servers (the fan-out floor, the bare YARP app) as a separate <c>dotnet</c> process on
/// a free loopback port, ready once <c>GET /healthz</c> answers 200. Killed on dispose.
/// </summary>
internal sealed class DotnetAppProcess : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    private readonly ProcessOutput _output;
    private Process? _process;

    private DotnetAppProcess(string name, int port)
    {
        Name = name;
        Port = port;
        _output = new(name, problemMarkers: [" warn: ", " fail: ", " crit: ", "Unhandled exception"], capacity: 200);
    }

    public string Name { get; }

    public int Port { get; }

    public Uri Url => new($"http://127.0.0.1:{Port}");

    public Process Process => _process ?? throw new InvalidOperationException($"{Name} is not running.");

    public bool HasExited => _process?.HasExited ?? true;

    public string Output => _output.ToString();

    public IReadOnlyList<string> ProblemLines() => _output.Problems();

    public static async Task<DotnetAppProcess> StartAsync(string name, string dll, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var app = new DotnetAppProcess(name, FreePort.Next());
            try
            {
                await app.RunAsync(dll, args, cancellationToken);
                return app;
            }
            catch (InvalidOperationException) when (attempt < 3 && app._output.Contains("address already in use"))
            {
                await app.DisposeAsync();
            }
            catch
            {
                await app.DisposeAsync();
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
    }

    private async Task RunAsync(string dll, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dll} does not exist; bench/peers.sh builds it.", dll);
        }

        // Its own bin directory as the content root: the repository root's appsettings.json (the gateway's Kestrel
        // endpoints) must not be picked up.
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add($"--urls=http://127.0.0.1:{Port}");
        foreach (var arg in args)
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
                throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode}.{Environment.NewLine}{_output}");
            }

            try
            {
                using var response = await probe.GetAsync(new Uri(Url, "/healthz"), cancellationToken);
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
                throw new TimeoutException($"{Name} was not ready within {ReadyTimeout.TotalSeconds:0} s.{Environment.NewLine}{_output}");
            }

            await Task.Delay(100, cancellationToken);
        }
    }
}
