using System.Net;
using System.Net.Sockets;

namespace Gateway.Testing;

/// <summary>Picks a TCP port on the loopback interface that is free right now.</summary>
/// <remarks>
/// Another process can take the port between <see cref="Next"/> and its use; the helpers that start servers on
/// such a port retry with a new one when the bind fails.
/// </remarks>
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
