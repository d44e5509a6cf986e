using Yarp.ReverseProxy.Configuration;

// A bare YARP reverse proxy: every path but /healthz to --backend. Usage: Gateway.Bench.Yarp --urls URL --backend URL
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.WebHost.UseKestrel(k => k.AddServerHeader = false);
var backend = builder.Configuration["backend"] ?? throw new InvalidOperationException("--backend URL is required.");
builder.Services.AddReverseProxy().LoadFromMemory(
    [new RouteConfig { RouteId = "all", ClusterId = "backend", Match = new RouteMatch { Path = "/{**rest}" } }],
    [new ClusterConfig { ClusterId = "backend", Destinations = new Dictionary<string, DestinationConfig> { ["d"] = new() { Address = backend } } }]);

var app = builder.Build();
app.MapGet("/healthz", () => "ok");
app.MapReverseProxy();
app.Run();
