using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.BrowserTests;

/// <summary>
/// A gateway set up for the demo page, in this process on the collection's nats-server (JetStream): the page's three push
/// routes with a 1 s heartbeat (so a silent transport is noticed in about a second) and the orders REST route to a
/// <see cref="TestBackend"/> serving order 1.
/// </summary>
internal sealed class DemoGateway : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>The order the backend serves; the demo page shows order 1 by default.</summary>
    public static readonly JsonObject Order = new()
    {
        ["id"] = "1",
        ["status"] = "paid",
        ["item"] = "Demo widget",
        ["quantity"] = 2,
        ["version"] = 3,
        ["updatedAt"] = "2025-01-01T12:00:00Z",
    };

    private readonly TestBackend backend;
    private readonly GatewayLaunchOptions options;

    private DemoGateway(TestBackend backend, GatewayLaunchOptions options, GatewayInstance instance)
    {
        this.backend = backend;
        this.options = options;
        Instance = instance;
    }

    /// <summary>The running instance (a new one after <see cref="StartAgainAsync"/>).</summary>
    public GatewayInstance Instance { get; private set; }

    /// <summary>Public URL; the demo page is at <c>/</c>. Unchanged by a restart.</summary>
    public string PublicUrl => Instance.PublicUrl;

    /// <summary>
    /// Starts the backend and a gateway whose push routes allow <paramref name="transports"/> (comma-separated, in
    /// preference order), and waits until the gateway is ready, so that publishes are stored.
    /// </summary>
    public static async Task<DemoGateway> StartAsync(NatsServerFixture nats, ITestOutputHelper output, string transports = "websocket,sse,longpolling,polling")
    {
        var backend = await TestBackend.StartAsync(app => app.MapGet("/orders/{id}", (string id) =>
            id == "1" ? Results.Text(Order.ToJsonString(), "application/json") : Results.NotFound()), output);
        try
        {
            var options = new GatewayLaunchOptions
            {
                ConfigJson = Config(transports, backend.Url).ToJsonString(new JsonSerializerOptions { WriteIndented = true }),
                BrokerUrl = nats.Url,
                BrokerKind = "JetStream",
                Output = output,

                // Fixed ports, so that a restart comes back where the page expects it.
                PublicPort = FreePort.Next(),
                ManagementPort = FreePort.Next(),

                // A stop drains in a second instead of 30, so the restart test does not wait out the default window.
                ExtraArgs = ["--Gateway:Drain:Window=00:00:01", "--Gateway:Drain:Grace=00:00:01"],
            };
            var instance = await StartReadyAsync(options);
            return new DemoGateway(backend, options, instance);
        }
        catch
        {
            await backend.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the instance as a deploy does (drain, then exit); publishes meanwhile must go to NATS directly.</summary>
    public async Task StopAsync()
    {
        await Instance.StopAsync(TimeSpan.FromSeconds(10));
        await Instance.DisposeAsync();
    }

    /// <summary>Starts a new instance on the same ports with the same configuration, and waits until it is ready.</summary>
    public async Task StartAgainAsync() => Instance = await StartReadyAsync(options);

    /// <summary>The configuration: the repository's demo routes, with every push route limited to <paramref name="transports"/>.</summary>
    public static JsonObject Config(string transports, string ordersBackendUrl)
    {
        JsonObject Push(string path, string subject, string? upstream = null)
        {
            var metadata = new JsonObject
            {
                ["Push.Subject"] = subject,
                ["Push.Transports"] = transports,
                ["Push.Heartbeat"] = "00:00:01",
                ["Push.PollInterval"] = "00:00:01",
            };
            if (upstream is not null)
            {
                metadata["Push.Upstream"] = upstream;
            }

            return new JsonObject { ["Match"] = new JsonObject { ["Path"] = path }, ["Metadata"] = metadata };
        }

        return new JsonObject
        {
            // The connect and poll budgets of the repository's appsettings.json, which the demo runs with (the code's own
            // defaults are tighter: two tabs of the demo page from one address would be throttled at once).
            ["Gateway"] = new JsonObject
            {
                // As in the repository's appsettings.json: the demo page is off unless switched on.
                ["Demo"] = new JsonObject { ["Enabled"] = true },
                ["Limits"] = new JsonObject
                {
                    ["ConnectRatePerClient"] = 5,
                    ["ConnectBurstPerClient"] = 20,
                    ["PollRatePerClient"] = 10,
                    ["PollBurstPerClient"] = 30,
                },
            },
            ["ReverseProxy"] = new JsonObject
            {
                ["Routes"] = new JsonObject
                {
                    ["orders"] = new JsonObject { ["ClusterId"] = "orders", ["Match"] = new JsonObject { ["Path"] = "/orders/{id}" } },
                    ["order-events"] = Push("/orders/{id}/events", "orders.{id}"),
                    ["price-events"] = Push("/prices/{ticker}/events", "prices.{ticker}"),
                    ["cursor-events"] = Push("/rooms/{room}/cursors", "rooms.{room}.cursors", upstream: "rooms.{room}.cursors"),
                },
                ["Clusters"] = new JsonObject
                {
                    ["orders"] = new JsonObject
                    {
                        ["Destinations"] = new JsonObject { ["orders-1"] = new JsonObject { ["Address"] = ordersBackendUrl + "/" } },
                    },
                },
            },
        };
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Instance.DisposeAsync();
        }
        finally
        {
            await backend.DisposeAsync();
        }
    }

    private static async Task<GatewayInstance> StartReadyAsync(GatewayLaunchOptions options)
    {
        var instance = await GatewayInstance.StartAsync(options);
        try
        {
            await Eventually.TrueAsync(
                async ct => (await instance.ManagementClient.GetAsync("readyz", ct)).IsSuccessStatusCode, Timeout, "the gateway to be ready");
            return instance;
        }
        catch
        {
            await instance.DisposeAsync();
            throw;
        }
    }
}
