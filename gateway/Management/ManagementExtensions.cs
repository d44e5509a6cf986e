using Microsoft.Extensions.Options;

namespace Gateway.Management;

internal static class ManagementExtensions
{
    public static IServiceCollection AddGatewayManagement(this IServiceCollection services)
    {
        services.AddOptions<ManagementOptions>().BindConfiguration(ManagementOptions.Section);
        return services;
    }

    public static WebApplication UseGatewayManagement(this WebApplication app)
    {
        var port = app.Services.GetRequiredService<IOptions<ManagementOptions>>().Value.Port ?? PortOf(app.Configuration["Kestrel:Endpoints:Management:Url"]);
        if (port is > 0)
        {
            app.UseMiddleware<ManagementMiddleware>(port.Value);
        }

        return app;
    }

    private static int? PortOf(string? url)
    {
        if (string.IsNullOrEmpty(url))
        {
            return null;
        }

        // Kestrel accepts wildcard hosts ("http://*:8081", "http://+:8081") that Uri does not.
        var normalized = url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
        return Uri.TryCreate(normalized, UriKind.Absolute, out var uri) ? uri.Port : null;
    }
}
