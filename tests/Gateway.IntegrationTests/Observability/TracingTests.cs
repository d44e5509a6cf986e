using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using Gateway.Broker;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.IntegrationTests.Transports;
using Gateway.Observability.Tracing;
using Gateway.Sessions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using NATS.Client.Core;
using OpenTelemetry.Trace;

namespace Gateway.IntegrationTests.Observability;

/// <summary>
/// docs/tracing.md: a proxied request is one span whose context the backend receives; every gateway publish (notify on
/// write, management <c>/publish</c>, client <c>POST</c>, WebSocket publish) carries its trace context through NATS, and
/// the delivery on the subscriber's instance is a span of the same trace. Tracing off leaves NATS messages without it.
/// </summary>
public sealed class TracingTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private const string Path = "/t/1/events";

    private static string Config(string backend) => $$"""
        {
          "Gateway": { "Limits": { "MaxSessionsPerClient": 1000000, "MaxPollsInFlightPerClient": 1000000, "MaxNegotiationsInFlightPerClient": 1000000, "GlobalConnectRate": 100000, "GlobalConnectBurst": 100000, "ConnectRatePerClient": 100000, "ConnectBurstPerClient": 100000, "PollRatePerClient": 100000, "PollBurstPerClient": 100000 } },
          "ReverseProxy": {
            "Routes": {
              "items": { "ClusterId": "backend", "Match": { "Path": "/items/{id}" }, "Metadata": { "Push.Notify": "t.{id}" } },
              "events": { "Match": { "Path": "/t/{id}/events" }, "Metadata": { "Push.Subject": "t.{id}", "Push.Upstream": "t.{id}", "Push.Heartbeat": "00:00:02" } }
            },
            "Clusters": { "backend": { "Destinations": { "b1": { "Address": "{{backend}}" } } } }
          }
        }
        """;

    [Theory]
    [InlineData("JetStream")]
    [InlineData("Nats")]
    [InlineData("Memory")]
    public async Task EveryPublishPath_DeliverySpanJoinsThePublishersTrace_BackendGetsTheProxySpan(string broker)
    {
        await using var nats = await NatsServerFixture.LaunchAsync();
        var otlpBodies = new ConcurrentQueue<byte[]>();
        await using var backend = await TestBackend.StartAsync(app =>
        {
            app.MapPut("/items/{id}", () => Results.Ok(new { ok = true }));
            app.MapPost("/v1/traces", async (HttpContext context) =>
            {
                using var body = new MemoryStream();
                await context.Request.Body.CopyToAsync(body);
                otlpBodies.Enqueue(body.ToArray());
                return Results.Ok();
            });
        }, output);

        // Tracing as a user turns it on (OTLP over http/protobuf, here to the test backend), plus an in-process exporter.
        var recorder = new SpanRecorder();
        var options = GatewayLaunchOptions.For(nats, Config(backend.Url), output, broker);
        await using var gateway = await GatewayInstance.StartAsync(
            new GatewayLaunchOptions
            {
                ConfigJson = options.ConfigJson,
                BrokerUrl = options.BrokerUrl,
                BrokerKind = broker,
                Output = output,
                ExtraArgs = ["--Gateway:Tracing:Enabled=true", $"--Gateway:Tracing:OtlpEndpoint={backend.Url}", "--Gateway:Tracing:OtlpProtocol=http/protobuf"],
            },
            builder => builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddProcessor(recorder)));
        await Eventually.TrueAsync(async () => (await gateway.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, Timeout, "ready");

        // A subscriber parked on the subject, so each event is appended live and fanned out on this instance.
        var cursor = await MatrixGateways.NegotiateCursorAsync(gateway, Path);
        const int expected = 4;
        var sse = RawPushClient.CollectAsync(RawPushClient.SseAsync(gateway.PublicUrl, Path, cursor, CancellationToken.None),
            got => got.Count(e => e.Kind == PushItemKind.Event) >= expected, Timeout);
        await Eventually.TrueAsync(() => Parked(gateway, "t.1") >= 1, Timeout, "the SSE session waits on t.1");

        // 1. Notify on write: a PUT proxied to the backend.
        var put = ActivityTraceId.CreateRandom();
        using (var request = new HttpRequestMessage(HttpMethod.Put, "/items/1") { Content = new StringContent("{}", Encoding.UTF8, "application/json") })
        {
            request.Headers.Add("traceparent", TraceParent(put));
            (await gateway.PublicClient.SendAsync(request)).EnsureSuccessStatusCode();
        }

        // The backend received the gateway's server span as its parent: one span for the proxied request, in the caller's trace.
        var forwarded = backend.Requests.Single(r => r.Method == "PUT" && r.Path == "/items/1").Headers;
        var sent = forwarded.Single(h => h.Key.Equals("traceparent", StringComparison.OrdinalIgnoreCase)).Value.Split('-');
        Assert.Equal(put.ToHexString(), sent[1]);
        await Eventually.TrueAsync(() => recorder.InTrace(put).Any(s => s.Kind == ActivityKind.Server && s.SpanId.ToHexString() == sent[2] && s.ParentSpanId.ToHexString() == ClientSpan),
            Timeout, $"the gateway's server span for the PUT is the backend's parent {sent[2]} (spans: {Describe(recorder.InTrace(put))})");

        // 2. The management publish endpoint.
        var management = ActivityTraceId.CreateRandom();
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/publish/t.1") { Content = new StringContent("{\"n\":2}") })
        {
            request.Headers.Add("traceparent", TraceParent(management));
            (await gateway.ManagementClient.SendAsync(request)).EnsureSuccessStatusCode();
        }

        // 3. A client's upstream POST.
        var upstream = ActivityTraceId.CreateRandom();
        using (var request = new HttpRequestMessage(HttpMethod.Post, Path) { Content = new StringContent("{\"n\":3}", Encoding.UTF8, "application/json") })
        {
            request.Headers.Add("traceparent", TraceParent(upstream));
            (await gateway.PublicClient.SendAsync(request)).EnsureSuccessStatusCode();
        }

        // 4. A publish over a WebSocket whose upgrade request carried the trace.
        var socket = ActivityTraceId.CreateRandom();
        using (var ws = new ClientWebSocket())
        {
            ws.Options.SetRequestHeader("traceparent", TraceParent(socket));
            await ws.ConnectAsync(new Uri(gateway.PublicUrl.Replace("http://", "ws://", StringComparison.Ordinal) + Path), CancellationToken.None);
            await ws.SendAsync("{\"type\":\"publish\",\"data\":{\"n\":4}}"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
            await Eventually.TrueAsync(() => DeliveryOf(recorder, socket) is not null, Timeout, "the WebSocket publish is delivered");
            await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        }

        foreach (var (name, trace) in new[] { ("notify on write", put), ("management publish", management), ("upstream POST", upstream), ("WebSocket publish", socket) })
        {
            await Eventually.TrueAsync(() => DeliveryOf(recorder, trace) is not null, Timeout, $"a delivery span in the {name}'s trace");
            var spans = recorder.InTrace(trace);
            var publish = Assert.Single(spans, s => s.Source.Name == GatewayTracing.SourceName && s.Kind == ActivityKind.Producer);
            var delivery = DeliveryOf(recorder, trace)!;
            Assert.Equal(publish.SpanId, delivery.ParentSpanId);
            Assert.Equal("t.1", delivery.GetTagItem("messaging.destination.name"));
            Assert.True(delivery.GetTagItem(GatewayTracing.SubscribersTag) is int subscribers && subscribers >= 1, $"{name}: subscribers {delivery.GetTagItem(GatewayTracing.SubscribersTag)}");
        }

        var events = await sse;
        Assert.Equal(expected, events.Count(e => e.Kind == PushItemKind.Event));

        // The OTLP exporter shipped the spans: the trace id's 16 bytes are in a protobuf body posted to /v1/traces.
        Assert.True(gateway.Services.GetRequiredService<TracerProvider>().ForceFlush(30_000));
        var traceBytes = Convert.FromHexString(management.ToHexString());
        await Eventually.TrueAsync(() => otlpBodies.Any(b => b.AsSpan().IndexOf(traceBytes) >= 0), Timeout, "an OTLP export holds the publish's trace");
    }

    [Theory]
    [InlineData("JetStream")]
    [InlineData("Nats")]
    public async Task TracingOff_RequestWithActivity_NatsMessageHasNoTraceHeader(string broker)
    {
        await using var nats = await NatsServerFixture.LaunchAsync();
        // Hosting's request logging on: ASP.NET Core then makes an activity for every request (from the caller's
        // traceparent) even with tracing off; the publish must still carry no trace header.
        var options = GatewayLaunchOptions.For(nats, Config("http://127.0.0.1:9"), output, broker);
        await using var gateway = await GatewayInstance.StartAsync(new GatewayLaunchOptions
        {
            ConfigJson = options.ConfigJson,
            BrokerUrl = options.BrokerUrl,
            BrokerKind = broker,
            Output = output,
            ExtraArgs = ["--Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics=Information"],
        });
        await Eventually.TrueAsync(async () => (await gateway.ManagementClient.GetAsync("/readyz")).IsSuccessStatusCode, Timeout, "ready");

        await using var connection = await nats.ConnectAsync();
        await using var sub = await connection.SubscribeCoreAsync<byte[]>("t.2");
        await connection.PingAsync();
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/publish/t.2") { Content = new StringContent("{}") })
        {
            request.Headers.Add("traceparent", TraceParent(ActivityTraceId.CreateRandom()));
            (await gateway.ManagementClient.SendAsync(request)).EnsureSuccessStatusCode();
        }

        using var cts = new CancellationTokenSource(Timeout);
        var message = await sub.Msgs.ReadAsync(cts.Token);
        Assert.NotNull(message.Headers);
        Assert.True(message.Headers!.ContainsKey(GatewayHeaders.PublishedAt));
        Assert.False(message.Headers.ContainsKey(GatewayTracing.TraceParentHeader), "traceparent with tracing off");
    }

    private const string ClientSpan = "00f067aa0ba902b7";

    private static string Describe(IEnumerable<Activity> spans) =>
        string.Join("; ", spans.Select(s => $"{s.Source.Name} {s.Kind} {s.DisplayName} {s.SpanId.ToHexString()} <- {s.ParentSpanId.ToHexString()}"));

    private static string TraceParent(ActivityTraceId trace) => $"00-{trace.ToHexString()}-{ClientSpan}-01";

    private static Activity? DeliveryOf(SpanRecorder recorder, ActivityTraceId trace) =>
        recorder.InTrace(trace).FirstOrDefault(s => s.Source.Name == GatewayTracing.SourceName && s.Kind == ActivityKind.Consumer);

    private static int Parked(GatewayInstance gateway, string subject)
    {
        var topics = gateway.Services.GetRequiredService<TopicRegistry>();
        if (!topics.TryAcquireOpen(subject, out var topic))
        {
            return 0;
        }

        try
        {
            return topic.Waiting;
        }
        finally
        {
            topics.Release(topic);
        }
    }
}
