using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.IntegrationTests.Security;
using Gateway.Testing;

namespace Gateway.IntegrationTests.Transports;

/// <summary>
/// The public endpoint over HTTPS with HTTP/1.1 and HTTP/2 (docs/tls.md): every transport delivers and resumes on both
/// protocol versions, WebSockets included over HTTP/2 (RFC 8441 extended CONNECT), with the same Origin, auth and
/// connect-limit checks as over HTTP/1.1. Each request asks for its version exactly, so a fallback to HTTP/1.1 fails.
/// </summary>
public sealed class TlsTransportTests(TlsGateway tls) : IClassFixture<TlsGateway>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static TheoryData<string, string> TransportsAndVersions()
    {
        var data = new TheoryData<string, string>();
        foreach (var transport in TransportMatrix.Transports)
        {
            data.Add(transport, "1.1");
            data.Add(transport, "2.0");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(TransportsAndVersions))]
    public async Task EveryTransport_OverHttps_DeliversInOrder_AndResumesAfterACut(string transport, string version)
    {
        var gateway = await tls.GetAsync();
        var http = Version.Parse(version);
        var topic = Guid.NewGuid().ToString("N");
        var path = $"/t/{topic}/events";
        var cursor = await NegotiateCursorAsync(http, path);

        // Part one: from the negotiated cursor, the first 30 of 60 events arrive in order.
        var first = RawPushClient.CollectAsync(RawPushClient.StreamAsync(transport, tls.HttpsUrl, path, cursor, CancellationToken.None, http),
            items => items.Count(i => i.Kind == PushItemKind.Event) >= 30, Timeout);
        for (var i = 0; i < 60; i++)
        {
            await MatrixGateways.PublishAsync(gateway, $"t.{topic}", $"{{\"n\":{i}}}");
        }

        var before = (await first).Where(e => e.Kind == PushItemKind.Event).Take(30).ToList();
        Assert.Equal(Enumerable.Range(0, 30).Select(i => $"{{\"n\":{i}}}"), before.Select(e => e.Data));

        // Part two: the first connection is gone (cut after 30); resuming from the last id gets 30..59, nothing twice.
        var after = await RawPushClient.CollectAsync(RawPushClient.StreamAsync(transport, tls.HttpsUrl, path, before[^1].Id, CancellationToken.None, http),
            items => items.Count(i => i.Kind == PushItemKind.Event) >= 30, Timeout);
        var resumed = after.Where(e => e.Kind == PushItemKind.Event).ToList();
        Assert.DoesNotContain(after, i => i.Kind == PushItemKind.Reset);
        Assert.Equal(Enumerable.Range(30, 30).Select(i => $"{{\"n\":{i}}}"), resumed.Select(e => e.Data));
        PushIds.AssertStrictlyIncreasing([.. before, .. resumed]);
    }

    [Fact]
    public async Task WebSocketOverHttp2_IsAcceptedWith200_AndChecksOriginWithTheHttpsScheme()
    {
        await tls.GetAsync();
        var authority = new Uri(tls.HttpsUrl).Authority;
        var path = $"/t/{Guid.NewGuid():N}/events";

        // RFC 8441: the answer to an extended CONNECT is 200, not 101; the page's own https origin is allowed.
        Assert.Equal(HttpStatusCode.OK, await WebSocketStatusAsync(path, origin: $"https://{authority}"));
        Assert.Equal(HttpStatusCode.OK, await WebSocketStatusAsync(path, origin: null));

        // The same Origin policy as over HTTP/1.1: foreign and scheme-swapped origins are refused before the socket opens.
        Assert.Equal(HttpStatusCode.Forbidden, await WebSocketStatusAsync(path, origin: "https://evil.example"));
        Assert.Equal(HttpStatusCode.Forbidden, await WebSocketStatusAsync(path, origin: $"http://{authority}"));
    }

    [Fact]
    public async Task WebSocketOverHttp2_OnAnAuthenticatedRoute_NeedsAValidToken()
    {
        var gateway = await tls.GetAsync();

        // As over HTTP/1.1 (docs/security.md): the socket is accepted and closed with 4401, which a browser can read.
        Assert.Equal("4401 unauthorized", await FirstOverHttp2Async("/private/1/events", gateway, publish: null));
        Assert.Equal("4401 unauthorized", await FirstOverHttp2Async("/private/1/events?access_token=" + TestTokens.For("alice", key: "another-key-that-is-also-long-enough-32b"), gateway, publish: null));
        Assert.Equal("event {\"n\":1}", await FirstOverHttp2Async("/private/1/events?access_token=" + TestTokens.For("alice"), gateway, publish: "private.1"));
    }

    /// <summary>The first thing a WebSocket over HTTP/2 receives: an event's data, or its close status and reason.</summary>
    private async Task<string> FirstOverHttp2Async(string path, GatewayInstance gateway, string? publish)
    {
        using var cts = new CancellationTokenSource(Timeout);

        // The socket starts at the subject's tail: publish until one arrives (the first one after the subscription).
        var publishing = publish is null ? Task.CompletedTask : Task.Run(async () =>
        {
            while (!cts.IsCancellationRequested)
            {
                await MatrixGateways.PublishAsync(gateway, publish, "{\"n\":1}");
                await Task.Delay(200, CancellationToken.None);
            }
        });
        try
        {
            return await FirstAsync(RawPushClient.WebSocketAsync(tls.HttpsUrl, path, null, cts.Token, HttpVersion.Version20));
        }
        finally
        {
            await cts.CancelAsync();
            await publishing;
        }
    }

    private static async Task<string> FirstAsync(IAsyncEnumerable<PushItem> items)
    {
        await foreach (var item in items)
        {
            if (item.Kind == PushItemKind.Closed)
            {
                return item.Reason!;
            }

            if (item.Kind == PushItemKind.Event)
            {
                return "event " + item.Data;
            }
        }

        throw new InvalidOperationException("The socket ended without a close frame.");
    }

    [Fact]
    public async Task WebSocketOverHttp2_CountsAgainstTheConnectLimit()
    {
        // The fixture's limits are open; this instance admits a burst of 3 connects per client and refills slowly.
        await using var nats = await NatsServerFixture.LaunchAsync();
        using var certificate = TempDirectory.Create("tls-limit");
        var (options, httpsUrl) = TlsGateway.Options(nats, certificate.Path, """
            {
              "Gateway": { "Limits": { "ConnectRatePerClient": 0.01, "ConnectBurstPerClient": 3 } },
              "ReverseProxy": { "Routes": { "stream": { "Match": { "Path": "/t/{topic}/events" }, "Metadata": { "Push.Subject": "t.{topic}" } } }, "Clusters": {} }
            }
            """);
        await using var gateway = await GatewayInstance.StartAsync(options);
        var path = $"/t/{Guid.NewGuid():N}/events";

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            statuses.Add(await WebSocketStatusAsync(path, origin: null, httpsUrl));
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
    }

    private Task<HttpStatusCode> WebSocketStatusAsync(string path, string? origin) => WebSocketStatusAsync(path, origin, tls.HttpsUrl);

    /// <summary>Opens a WebSocket over HTTP/2 exactly; the status of the answer (200 when accepted), then closes it.</summary>
    private static async Task<HttpStatusCode> WebSocketStatusAsync(string path, string? origin, string httpsUrl)
    {
        using var ws = new ClientWebSocket();
        ws.Options.HttpVersion = HttpVersion.Version20;
        ws.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        ws.Options.CollectHttpResponseDetails = true;
        if (origin is not null)
        {
            ws.Options.SetRequestHeader("Origin", origin);
        }

        using var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = static (_, certificate, _, _) => Gateway.Testing.TestCertificate.IsTestCertificate(certificate);
        using var invoker = new HttpMessageInvoker(handler);
        using var cts = new CancellationTokenSource(Timeout);
        try
        {
            await ws.ConnectAsync(new Uri("wss" + httpsUrl[5..] + path), invoker, cts.Token);
        }
        catch (WebSocketException) when (ws.HttpStatusCode != 0)
        {
            return ws.HttpStatusCode;
        }

        var status = ws.HttpStatusCode;
        await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token);
        return status;
    }

    private async Task<string> NegotiateCursorAsync(Version http, string path)
    {
        using var client = RawPushClient.CreateHttpClient(tls.HttpsUrl, http, Timeout);
        using var response = await client.PostAsync(tls.HttpsUrl + path + "/negotiate", null);
        response.EnsureSuccessStatusCode();
        Assert.Equal(http, response.Version);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("cursor").GetString()!;
    }
}

/// <summary>One nats-server and one gateway whose public endpoint also serves HTTPS with HTTP/1.1 and HTTP/2.</summary>
public sealed class TlsGateway : IAsyncLifetime
{
    private const string Config = $$"""
        {
          "Gateway": {
            "Auth": {{TestTokens.AuthJson}},
            "Broker": { "ReplayBufferSize": 4096 },
            "Push": { "ReconnectDelay": "00:00:00.500" },
            "Limits": { "MaxSessionsPerClient": 100000, "MaxPollsInFlightPerClient": 100000, "MaxNegotiationsInFlightPerClient": 100000, "GlobalConnectRate": 100000, "GlobalConnectBurst": 100000, "ConnectRatePerClient": 1000, "ConnectBurstPerClient": 5000, "PollRatePerClient": 1000, "PollBurstPerClient": 1000 }
          },
          "ReverseProxy": {
            "Routes": {
              "stream": { "Match": { "Path": "/t/{topic}/events" }, "Metadata": { "Push.Subject": "t.{topic}", "Push.Heartbeat": "00:00:01" } },
              "private": { "AuthorizationPolicy": "default", "Match": { "Path": "/private/{id}/events" }, "Metadata": { "Push.Subject": "private.{id}" } }
            },
            "Clusters": {}
          }
        }
        """;

    private readonly TempDirectory _certificate = TempDirectory.Create("tls");
    private NatsServerFixture? _nats;
    private Task<GatewayInstance>? _gateway;

    public string HttpsUrl { get; private set; } = string.Empty;

    public async Task InitializeAsync() => _nats = await NatsServerFixture.LaunchAsync();

    internal Task<GatewayInstance> GetAsync() => LazyInitializer.EnsureInitialized(ref _gateway, StartAsync);

    /// <summary>Launch options with an extra public HTTPS endpoint (<c>Kestrel:Endpoints:PublicTls</c>) on a free port.</summary>
    internal static (GatewayLaunchOptions Options, string HttpsUrl) Options(NatsServerFixture nats, string certificateDirectory, string configJson = Config)
    {
        const string password = "tests";
        var pfx = TestCertificate.WritePfx(certificateDirectory, password);
        var httpsUrl = $"https://127.0.0.1:{FreePort.Next().ToString(CultureInfo.InvariantCulture)}";
        var options = GatewayLaunchOptions.For(nats, configJson);
        return (new GatewayLaunchOptions
        {
            ConfigJson = options.ConfigJson,
            BrokerUrl = options.BrokerUrl,
            BrokerKind = options.BrokerKind,
            ExtraArgs =
            [
                $"--Kestrel:Endpoints:PublicTls:Url={httpsUrl}",
                "--Kestrel:Endpoints:PublicTls:Protocols=Http1AndHttp2",
                $"--Kestrel:Endpoints:PublicTls:Certificate:Path={pfx}",
                $"--Kestrel:Endpoints:PublicTls:Certificate:Password={password}",
            ],
        }, httpsUrl);
    }

    private async Task<GatewayInstance> StartAsync()
    {
        var (options, httpsUrl) = Options(_nats ?? throw new InvalidOperationException("Not started."), _certificate.Path);
        HttpsUrl = httpsUrl;
        var gateway = await GatewayInstance.StartAsync(options);
        await Eventually.TrueAsync(async () => (await gateway.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, TimeSpan.FromSeconds(30), "the gateway becomes ready");
        return gateway;
    }

    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            try
            {
                await (await _gateway).DisposeAsync();
            }
            catch (Exception)
            {
                // A gateway that failed to start has nothing to dispose.
            }
        }

        if (_nats is not null)
        {
            await _nats.DisposeAsync();
        }

        _certificate.Dispose();
    }
}
