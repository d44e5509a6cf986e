using Backends.Prices.Ticks;

// The content root is the build output, not the working directory, so that the gateway's appsettings.json
// at the repository root is never read by this publisher.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory,
});
builder.Services.AddPriceTicks();
await builder.Build().RunAsync();
