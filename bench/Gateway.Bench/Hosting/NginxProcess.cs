using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace Gateway.Bench.Hosting;

/// <summary>
/// nginx as the peers a user would otherwise pick: nchan (pub/sub over SSE, WebSocket and long polling) on one loopback
/// port and a plain <c>proxy_pass</c> REST proxy on another, from a config written to a temp directory (pid file, logs
/// and temp paths in it too). Started in the foreground (<c>daemon off</c>), so killing the master ends it all.
/// </summary>
internal sealed class NginxProcess : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(20);

    private readonly TempDirectory _directory = TempDirectory.Create("nginx");
    private readonly ProcessOutput _output = new("nginx", problemMarkers: ["[warn]", "[error]", "[crit]", "[emerg]"], capacity: 200);
    private Process? _process;

    private NginxProcess(int nchanPort, int proxyPort)
    {
        NchanPort = nchanPort;
        ProxyPort = proxyPort;
    }

    public int NchanPort { get; }

    public int ProxyPort { get; }

    public int Pid => _process?.Id ?? throw new InvalidOperationException("nginx is not running.");

    public bool HasExited => _process?.HasExited ?? true;

    public string Output => _output.ToString();

    /// <summary>
    /// nchan: <c>POST /pub/{channel}</c> publishes (a GET there answers the channel's subscriber count), <c>GET
    /// /sub/{channel}</c> subscribes by SSE, WebSocket or long poll; subscribers start at the next message, the channel
    /// keeps its last 1,000 (long pollers resume by <c>If-Modified-Since</c>/<c>If-None-Match</c>, several messages per
    /// answer). The proxy: every path to <paramref name="backend"/> over kept-alive upstream connections.
    /// </summary>
    public static string Config(string directory, string module, int nchanPort, int proxyPort, Uri backend) => $$"""
        load_module {{module}};
        worker_processes auto;
        worker_rlimit_nofile 65536;
        pid {{directory}}/nginx.pid;
        error_log {{directory}}/error.log warn;
        events {
            worker_connections 30000;
        }
        http {
            access_log off;
            client_body_temp_path {{directory}}/client_body;
            proxy_temp_path {{directory}}/proxy;
            fastcgi_temp_path {{directory}}/fastcgi;
            uwsgi_temp_path {{directory}}/uwsgi;
            scgi_temp_path {{directory}}/scgi;
            nchan_max_reserved_memory 256M;
            upstream backend {
                server 127.0.0.1:{{backend.Port}};
                keepalive 64;
            }
            server {
                listen 127.0.0.1:{{nchanPort}} backlog=4096;
                location ~ ^/pub/(\w+)$ {
                    nchan_publisher;
                    nchan_channel_id $1;
                    nchan_message_buffer_length 1000;
                    nchan_message_timeout 10m;
                }
                location ~ ^/sub/(\w+)$ {
                    nchan_subscriber;
                    nchan_channel_id $1;
                    nchan_subscriber_first_message newest;
                    nchan_longpoll_multipart_response raw;
                }
            }
            server {
                listen 127.0.0.1:{{proxyPort}} backlog=4096;
                location / {
                    proxy_pass http://backend;
                    proxy_http_version 1.1;
                    proxy_set_header Connection "";
                }
            }
        }
        """;

    public static async Task<NginxProcess> StartAsync(string nginx, string module, Uri backend, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var server = new NginxProcess(FreePort.Next(), FreePort.Next());
            try
            {
                await server.RunAsync(nginx, module, backend, cancellationToken);
                return server;
            }
            catch (InvalidOperationException) when (attempt < 3 && server.LogContains("Address already in use"))
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
                // SIGKILL would leave the workers behind (the master's children, not ours); SIGTERM is nginx's fast
                // shutdown, which the master passes on to its workers.
                Signal(p.Id, "TERM");
                try
                {
                    await p.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
                }
                catch (TimeoutException)
                {
                    p.Kill(entireProcessTree: true);
                }
            }

            p.Dispose();
        }

        _directory.Dispose();
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, pid.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false });
        kill?.WaitForExit(5000);
    }

    private bool LogContains(string text)
    {
        var log = Path.Combine(_directory.Path, "error.log");
        return _output.Contains(text) || (File.Exists(log) && File.ReadAllText(log).Contains(text, StringComparison.OrdinalIgnoreCase));
    }

    private async Task RunAsync(string nginx, string module, Uri backend, CancellationToken cancellationToken)
    {
        var config = Path.Combine(_directory.Path, "nginx.conf");
        await File.WriteAllTextAsync(config, Config(_directory.Path, module, NchanPort, ProxyPort, backend), cancellationToken);
        var start = new ProcessStartInfo(nginx) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-p", _directory.Path, "-c", config, "-e", Path.Combine(_directory.Path, "error.log"), "-g", "daemon off;" })
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {nginx}");
        _output.Attach(_process);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                var log = Path.Combine(_directory.Path, "error.log");
                throw new InvalidOperationException($"nginx exited with code {_process.ExitCode}.{Environment.NewLine}{_output}{Environment.NewLine}{(File.Exists(log) ? await File.ReadAllTextAsync(log, cancellationToken) : "")}");
            }

            if (await AcceptsAsync(NchanPort) && await AcceptsAsync(ProxyPort))
            {
                return;
            }

            if (deadline.Elapsed > ReadyTimeout)
            {
                throw new TimeoutException($"nginx did not listen within {ReadyTimeout.TotalSeconds:0} s.{Environment.NewLine}{_output}");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
