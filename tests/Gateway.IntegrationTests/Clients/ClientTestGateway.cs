using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Clients;

/// <summary>The gateway the client tests run against: two push routes with a 1 s heartbeat, on the shared nats-server.</summary>
internal static class ClientTestGateway
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// <c>prices</c>: push only, every transport, short polls every 200 ms. <c>rooms</c>: clients publish to the subject
    /// they subscribe to, so a sent message comes back as an event.
    /// </summary>
    public const string ConfigJson = """
        {
          "ReverseProxy": {
            "Routes": {
              "prices": {
                "Match": { "Path": "/prices/{ticker}/events" },
                "Metadata": { "Push.Subject": "prices.{ticker}", "Push.Heartbeat": "00:00:01", "Push.PollInterval": "00:00:00.200" }
              },
              "rooms": {
                "Match": { "Path": "/rooms/{room}/events" },
                "Metadata": { "Push.Subject": "rooms.{room}", "Push.Upstream": "rooms.{room}", "Push.Heartbeat": "00:00:01" }
              }
            },
            "Clusters": {}
          }
        }
        """;

    /// <summary>A route value no other test uses: the nats-server and its stream are shared by the collection.</summary>
    public static string NewKey() => "T" + Guid.NewGuid().ToString("N")[..12];

    public static GatewayLaunchOptions Options(NatsServerFixture nats, ITestOutputHelper output, int publicPort = 0, int managementPort = 0) => new()
    {
        ConfigJson = ConfigJson,
        BrokerUrl = nats.Url,
        BrokerKind = "JetStream",
        Output = output,
        PublicPort = publicPort,
        ManagementPort = managementPort,

        // A stop drains in a second instead of 30, so a restart test does not wait out the default window.
        ExtraArgs = ["--Gateway:Drain:Window=00:00:01", "--Gateway:Drain:Grace=00:00:01"],
    };

    /// <summary>Starts a gateway and waits until it is ready (JetStream stream in place), so publishes are stored.</summary>
    public static async Task<GatewayInstance> StartAsync(GatewayLaunchOptions options)
    {
        var gateway = await GatewayInstance.StartAsync(options);
        try
        {
            await Eventually.TrueAsync(async ct => (await gateway.ManagementClient.GetAsync("readyz", ct)).IsSuccessStatusCode, Timeout, "the gateway to be ready");
            return gateway;
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }
    }

    /// <summary>The current cursor of a push path, from a negotiation made by the test itself.</summary>
    public static async Task<string> NegotiateCursorAsync(GatewayInstance gateway, string path)
    {
        using var cts = new CancellationTokenSource(Timeout);
        using var response = await gateway.PublicClient.PostAsync(path.TrimStart('/') + "/negotiate", null, cts.Token);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cts.Token);
        return body.GetProperty("cursor").GetString() ?? throw new InvalidOperationException("negotiate returned no cursor");
    }

    /// <summary>The value of <c>gateway_fallbacks_total</c> for one route, from and to; 0 when the series does not exist.</summary>
    public static async Task<double> FallbacksAsync(GatewayInstance gateway, string route, string from, string to, string reason)
    {
        var series = await FallbackSeriesAsync(gateway);
        return series.TryGetValue($"route={route},from={from},to={to},reason={reason}", out var value) ? value : 0;
    }

    /// <summary>Every <c>gateway_fallbacks_total</c> series as <c>route=…,from=…,to=…,reason=…</c> → value.</summary>
    public static async Task<Dictionary<string, double>> FallbackSeriesAsync(GatewayInstance gateway)
    {
        using var cts = new CancellationTokenSource(Timeout);
        var text = await gateway.ManagementClient.GetStringAsync("metrics", cts.Token);
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith("gateway_fallbacks_total{", StringComparison.Ordinal))
            {
                continue;
            }

            var close = line.IndexOf('}', StringComparison.Ordinal);
            var labels = line["gateway_fallbacks_total{".Length..close]
                .Split(',', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Split('=', 2))
                .ToDictionary(p => p[0], p => p[1].Trim('"'), StringComparer.Ordinal);
            var key = $"route={labels["route"]},from={labels["from"]},to={labels["to"]},reason={labels["reason"]}";
            result[key] = double.Parse(line[(close + 1)..].Trim(), CultureInfo.InvariantCulture);
        }

        return result;
    }
}
