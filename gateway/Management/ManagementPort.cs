using Microsoft.Extensions.Options;

namespace Gateway.Management;

/// <summary>The local port the management endpoints answer on; null when no management endpoint is configured.</summary>
internal sealed class ManagementPort(IOptions<ManagementOptions> options, IConfiguration configuration)
{
    public const string EndpointUrlKey = "Kestrel:Endpoints:Management:Url";

    public int? Value { get; } = options.Value.Port ?? (ManagementOptions.PortOf(configuration[EndpointUrlKey]) is int port && port > 0 ? port : null);

    public bool IsManagement(HttpContext context) => Value is { } port && context.Connection.LocalPort == port;
}
