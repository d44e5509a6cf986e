using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Gateway.Hosting;

/// <summary>Applies <see cref="ServerLimitOptions"/> to Kestrel (docs/security.md, "Kestrel limits").</summary>
internal sealed class ServerLimitsSetup(IOptions<ServerLimitOptions> options) : IConfigureOptions<KestrelServerOptions>
{
    public void Configure(KestrelServerOptions server)
    {
        var o = options.Value;
        var limits = server.Limits;
        limits.RequestHeadersTimeout = o.RequestHeadersTimeout;
        limits.MinRequestBodyDataRate = o.MinRequestBodyBytesPerSecond is { } body ? new MinDataRate(body, o.MinRequestBodyGracePeriod) : null;
        limits.MinResponseDataRate = o.MinResponseBytesPerSecond is { } response ? new MinDataRate(response, o.MinRequestBodyGracePeriod) : null;
        limits.MaxRequestHeadersTotalSize = o.MaxRequestHeadersTotalSize;
        limits.MaxRequestHeaderCount = o.MaxRequestHeaderCount;
        limits.MaxRequestLineSize = o.MaxRequestLineSize;
        limits.MaxRequestBodySize = o.MaxRequestBodySize;
        limits.KeepAliveTimeout = o.KeepAliveTimeout;
        limits.MaxConcurrentConnections = o.MaxConcurrentConnections;
        limits.Http2.MaxStreamsPerConnection = o.Http2MaxStreamsPerConnection;
        limits.Http2.MaxRequestHeaderFieldSize = o.Http2MaxRequestHeaderFieldSize;
    }
}
