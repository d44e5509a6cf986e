namespace Gateway.Bench.Peers;

/// <summary>One wrk run: requests/s, latency percentiles (ms) and the server's CPU per request (µs), backend excluded.</summary>
internal sealed record RestRow(
    string Target,
    string Url,
    int Connections,
    double Seconds,
    long Requests,
    double RequestsPerSecond,
    double P50Ms,
    double P99Ms,
    long Non2xx,
    long SocketErrors,
    double ServerCpuSeconds,
    double CpuMicrosPerRequest);
