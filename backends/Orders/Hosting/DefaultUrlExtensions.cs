namespace Backends.Orders.Hosting;

internal static class DefaultUrlExtensions
{
    /// <summary>Listens on <paramref name="url"/> unless --urls, ASPNETCORE_URLS or Kestrel endpoints say otherwise.</summary>
    public static WebApplicationBuilder UseDefaultUrl(this WebApplicationBuilder builder, string url)
    {
        var configuration = builder.Configuration;
        if (string.IsNullOrEmpty(configuration["urls"]) && !configuration.GetSection("Kestrel:Endpoints").Exists())
        {
            builder.WebHost.UseUrls(url);
        }

        return builder;
    }
}
