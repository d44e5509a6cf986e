using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Gateway.BrowserTests;

/// <summary>
/// A TCP relay on <c>127.0.0.1:0</c> in front of the gateway, so a test can cut every connection of a page at once (a
/// network that drops, a laptop that sleeps): <see cref="CutAll"/> resets both sides, and the page reconnects through it.
/// </summary>
internal sealed class TcpCutter : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly ConcurrentDictionary<Socket, Socket> pairs = new();
    private readonly CancellationTokenSource stop = new();
    private readonly IPEndPoint upstream;
    private readonly Task accepting;
    private int cuts;

    public TcpCutter(string upstreamUrl)
    {
        var uri = new Uri(upstreamUrl);
        upstream = new IPEndPoint(IPAddress.Parse(uri.Host), uri.Port);
        listener.Start();
        Url = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
        accepting = AcceptAsync();
    }

    /// <summary>Base URL (no trailing slash); pages opened here reach the gateway through the relay.</summary>
    public string Url { get; }

    /// <summary>Connections reset by <see cref="CutAll"/> so far.</summary>
    public int Cuts => Volatile.Read(ref cuts);

    /// <summary>Resets every relayed connection (RST both ways); new ones are relayed as before.</summary>
    public void CutAll()
    {
        foreach (var (client, server) in pairs)
        {
            pairs.TryRemove(client, out _);
            Interlocked.Increment(ref cuts);
            Reset(client);
            Reset(server);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener.Stop();
        CutAll();
        try
        {
            await accepting;
        }
        catch (OperationCanceledException)
        {
            // stopped
        }

        stop.Dispose();
    }

    private static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        catch (ObjectDisposedException)
        {
            // already gone
        }
    }

    private async Task AcceptAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptSocketAsync(stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(Socket client)
    {
        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        try
        {
            await server.ConnectAsync(upstream, stop.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException)
        {
            Reset(client);
            server.Dispose();
            return;
        }

        pairs[client] = server;
        await Task.WhenAny(PumpAsync(client, server), PumpAsync(server, client));
        if (pairs.TryRemove(client, out _))
        {
            client.Dispose();
            server.Dispose();
        }
    }

    private static async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            for (; ; )
            {
                var n = await from.ReceiveAsync(buffer, SocketFlags.None);
                if (n == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // cut, or the other side went away
        }
    }
}
