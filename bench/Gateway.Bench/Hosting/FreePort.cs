using System.Net;
using System.Net.Sockets;

namespace Gateway.Bench.Hosting;

/// <summary>A loopback TCP port that is free right now (another process may still take it before it is used).</summary>
internal static class FreePort
{
    public static int Next()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }
}
