using System.Text.Json;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Gateway.IntegrationTests.Infrastructure;

[Collection(NatsCollection.Name)]
public sealed class NatsServerFixtureTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    private static readonly HttpClient Monitor = new() { Timeout = Timeout };

    private readonly NatsServerFixture nats;

    public NatsServerFixtureTests(NatsServerFixture nats) => this.nats = nats;

    [Fact]
    public async Task CorePubSub_SubscribedSubject_DeliversPublishedMessageAndShowsInSubsz()
    {
        using var cts = new CancellationTokenSource(Timeout);
        await using var connection = await nats.ConnectAsync(cancellationToken: cts.Token);
        var subject = $"fixture.core.{Guid.NewGuid():N}";

        await using var subscription = await connection.SubscribeCoreAsync<string>(subject, cancellationToken: cts.Token);
        await connection.PingAsync(cts.Token); // the server has seen the SUB once the PONG is back
        await connection.PublishAsync(subject, "hello", cancellationToken: cts.Token);
        var message = await subscription.Msgs.ReadAsync(cts.Token);

        Assert.Equal("hello", message.Data);
        using var subsz = JsonDocument.Parse(await Monitor.GetStringAsync($"{nats.MonitorUrl}/subsz?subs=1", cts.Token));
        var subjects = subsz.RootElement.GetProperty("subscriptions_list").EnumerateArray().Select(s => s.GetProperty("subject").GetString());
        Assert.Contains(subject, subjects);
    }

    [Fact]
    public async Task JetStream_PublishedMessage_ReadsBackFromStream()
    {
        using var cts = new CancellationTokenSource(Timeout);
        await using var connection = await nats.ConnectAsync(cancellationToken: cts.Token);
        var js = new NatsJSContext(connection);
        var (stream, subject) = await CreateStreamAsync(js, cts.Token);

        var ack = await js.PublishAsync(subject, "stored", cancellationToken: cts.Token);
        ack.EnsureSuccess();

        Assert.Equal("stored", await ReadFirstAsync(js, stream, cts.Token));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task JetStream_ServerStoppedOrKilledAndStarted_KeepsStoredMessageOnSameUrl(bool kill)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var url = nats.Url;
        string stream;
        string serverIdBefore;
        await using (var connection = await nats.ConnectAsync(cancellationToken: cts.Token))
        {
            var js = new NatsJSContext(connection);
            (stream, var subject) = await CreateStreamAsync(js, cts.Token);
            (await js.PublishAsync(subject, "survives", cancellationToken: cts.Token)).EnsureSuccess();
            serverIdBefore = await ServerIdAsync(cts.Token);
        }

        try
        {
            if (kill)
            {
                await nats.KillAsync(cts.Token);
            }
            else
            {
                await nats.StopAsync(cts.Token);
            }

            await Assert.ThrowsAnyAsync<HttpRequestException>(() => Monitor.GetAsync($"{nats.MonitorUrl}/varz", cts.Token));
        }
        finally
        {
            await nats.StartAsync(cts.Token);
        }

        Assert.Equal(url, nats.Url);
        Assert.NotEqual(serverIdBefore, await ServerIdAsync(cts.Token)); // a new server process, not the old one
        await using (var connection = await nats.ConnectAsync(cancellationToken: cts.Token))
        {
            Assert.Equal("survives", await ReadFirstAsync(new NatsJSContext(connection), stream, cts.Token));
        }
    }

    private static async Task<(string Stream, string Subject)> CreateStreamAsync(NatsJSContext js, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid().ToString("N");
        var stream = $"FIXTURE_{id}";
        var subject = $"fixture.js.{id}";
        await js.CreateStreamAsync(new StreamConfig(stream, [subject]) { Storage = StreamConfigStorage.File }, cancellationToken);
        return (stream, subject);
    }

    private static async Task<string?> ReadFirstAsync(NatsJSContext js, string stream, CancellationToken cancellationToken)
    {
        var consumer = await js.CreateOrderedConsumerAsync(stream, cancellationToken: cancellationToken);
        var message = await consumer.NextAsync<string>(cancellationToken: cancellationToken);
        Assert.NotNull(message);
        return message.Data;
    }

    private async Task<string> ServerIdAsync(CancellationToken cancellationToken)
    {
        using var varz = JsonDocument.Parse(await Monitor.GetStringAsync($"{nats.MonitorUrl}/varz", cancellationToken));
        return varz.RootElement.GetProperty("server_id").GetString()!;
    }
}
