using System.Net.Sockets;

namespace Gateway.Testing;

/// <summary>Decides whether a nats-server is up: it accepts TCP connections and its <c>/healthz</c> (JetStream included) says ok.</summary>
internal static class NatsProbe
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(2) };

    /// <summary>
    /// Waits until the server is ready or <paramref name="timeout"/> passes; <paramref name="failFast"/> returns a
    /// reason to stop waiting (the process died), or null to keep waiting.
    /// </summary>
    public static async Task WaitReadyAsync(
        string host, int port, string monitorUrl, TimeSpan timeout, Func<string?> failFast, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        string lastProblem = "not checked yet";
        while (true)
        {
            if (failFast() is { } reason)
            {
                throw new InvalidOperationException($"nats-server did not start: {reason}");
            }

            try
            {
                lastProblem = await ProbeAsync(host, port, monitorUrl, cts.Token) ?? string.Empty;
                if (lastProblem.Length == 0)
                {
                    return;
                }

                await Task.Delay(50, cts.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException(
                    $"nats-server at {host}:{port} was not ready within {timeout.TotalSeconds:0} s (last: {lastProblem}).");
            }
        }
    }

    /// <summary>Returns null when the server is ready, else what is wrong.</summary>
    private static async Task<string?> ProbeAsync(string host, int port, string monitorUrl, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(host, port, cancellationToken);
        }
        catch (SocketException ex)
        {
            return $"TCP {host}:{port}: {ex.SocketErrorCode}";
        }

        try
        {
            using var response = await Http.GetAsync($"{monitorUrl}/healthz", cancellationToken);
            return response.IsSuccessStatusCode
                ? null
                : $"/healthz {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}";
        }
        catch (HttpRequestException ex)
        {
            return $"/healthz: {ex.Message}";
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return "/healthz: no answer within 2 s";
        }
    }
}
