using Backends.Orders.Api;
using Backends.Orders.Events;
using Backends.Orders.Hosting;
using Backends.Orders.Stats;
using Backends.Orders.Store;

// The content root is the build output, not the working directory: run from the repository root, the
// gateway's appsettings.json (with its Kestrel endpoints) must not be picked up by this backend.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory,
});
builder.UseDefaultUrl("http://127.0.0.1:5101");
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = 64 * 1024);

builder.Services.AddOrdersStore();
builder.Services.AddOrderEvents();
builder.Services.AddRequestStats();

var app = builder.Build();
app.UseRequestStats();
app.MapOrders();
app.MapHealthAndStats();
await app.RunAsync();
