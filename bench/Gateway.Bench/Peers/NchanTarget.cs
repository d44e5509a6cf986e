using System.Net.Http.Headers;
using Gateway.Bench.Hosting;
using Gateway.Bench.Publishing;
using Gateway.Bench.Subscribers;

namespace Gateway.Bench.Peers;

/// <summary>nchan in nginx: publishes are <c>POST /pub/{channel}</c>, subscribers <c>GET /sub/{channel}</c> (see <see cref="NginxProcess"/>).</summary>
internal sealed class NchanTarget : PushTarget
{
    private readonly NginxProcess _nginx;
    private readonly HttpClient _http;

    public NchanTarget(NginxProcess nginx, HttpClient http)
        : base("nchan")
    {
        _nginx = nginx;
        _http = http;
        Publisher = new PacedPublisher(PublishAsync, static _ => Task.CompletedTask);
    }

    public override IEventPublisher Publisher { get; }

    private Uri Base => new($"http://127.0.0.1:{_nginx.NchanPort}");

    public override string Subject(string channel) => channel;

    public override bool Supports(string transport) => true;

    public override IGatewaySubscriber Subscriber(string transport, string channel, HttpClient http, SubscriberStats stats) => transport switch
    {
        "sse" => new SseSubscriber(http, new Uri(Base, $"/sub/{channel}"), stats),
        "websocket" => new WebSocketSubscriber(new Uri($"ws://127.0.0.1:{_nginx.NchanPort}/sub/{channel}"), stats),
        _ => new NchanLongPollSubscriber(http, new Uri(Base, $"/sub/{channel}"), stats),
    };

    /// <summary>
    /// Unknown: with more than one worker, nchan's channel info counts only the subscribers of the worker that answers.
    /// Not needed either: nchan answers a subscriber's request once it is subscribed, so a connected client is held.
    /// </summary>
    public override Task<int?> SubscribersAsync(string transport, string channel, CancellationToken cancellationToken) => Task.FromResult<int?>(null);

    public override double BrokerCpuSeconds() => 0;

    public override double ServerCpuSeconds() => ProcessTree.CpuSeconds(_nginx.Pid);

    public override long ServerRssKb() => ProcessTree.RssKb(_nginx.Pid);

    public override void EnsureRunning()
    {
        if (_nginx.HasExited)
        {
            throw new InvalidOperationException($"nginx exited during the benchmark.{Environment.NewLine}{_nginx.Output}");
        }
    }

    private async ValueTask PublishAsync(string channel, byte[] payload, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(payload);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await _http.PostAsync(new Uri(Base, $"/pub/{channel}"), content, cancellationToken);
        response.EnsureSuccessStatusCode();
    }
}
