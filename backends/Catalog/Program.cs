using Backends.Catalog.Faults;
using Backends.Catalog.Hosting;
using Backends.Catalog.Items;
using Backends.Catalog.Stats;

// The content root is the build output, not the working directory: run from the repository root, the
// gateway's appsettings.json (with its Kestrel endpoints) must not be picked up by this backend.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory,
});
builder.UseDefaultUrl("http://127.0.0.1:5102");
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = 64 * 1024);

builder.Services.AddCatalogItems();
builder.Services.AddFaults();
builder.Services.AddRequestStats();

var app = builder.Build();
app.UseRequestStats();
app.UseFaults();
app.MapItems();
app.MapFaultAdmin();
app.MapHealthAndStats();
await app.RunAsync();
