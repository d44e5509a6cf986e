using System.Net.Http.Json;
using System.Text.Json;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.IntegrationTests.Transports;

namespace Gateway.IntegrationTests.Sessions;

/// <summary>Fan-out at scale: one broker subscription per subject per instance, however many sessions share it.</summary>
public sealed class FanOutTests(MatrixGateways gateways) : IClassFixture<MatrixGateways>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task ThousandSseSubscribersOnOneSubject_EachReceivesEveryEventOfABurst_WithOneBrokerSubscription()
    {
        const int subscribers = 1000;
        const int burst = 200;
        var gateway = await gateways.GetAsync("JetStream");
        var topic = "F" + Guid.NewGuid().ToString("N")[..10];
        var path = $"/t/{topic}/events";
        var subject = $"t.{topic}";
        var cursor = await MatrixGateways.NegotiateCursorAsync(gateway, path);
        var topics = (Gateway.Sessions.TopicRegistry)gateway.Services.GetService(typeof(Gateway.Sessions.TopicRegistry))!;
        var before = topics.Count;

        var clients = Enumerable.Range(0, subscribers).Select(_ => RawPushClient.CollectAsync(
            RawPushClient.SseAsync(gateway.PublicUrl, path, cursor, CancellationToken.None),
            got => got.Count(i => i.Kind == PushItemKind.Event) >= burst, Timeout)).ToList();
        var registry = (Gateway.Sessions.SessionRegistry)gateway.Services.GetService(typeof(Gateway.Sessions.SessionRegistry))!;
        await Eventually.TrueAsync(() => registry.CountForRoute("stream") >= subscribers, Timeout, "all subscribers are connected");

        // One topic (one ordered JetStream consumer) for all of them; negotiate already opened it.
        Assert.Equal(before, topics.Count);
        Assert.Equal(1, await ConsumersFilteringAsync(subject));
        for (var i = 0; i < burst; i++)
        {
            await MatrixGateways.PublishAsync(gateway, subject, $"{{\"n\":{i}}}");
        }

        var results = await Task.WhenAll(clients);
        var expected = Enumerable.Range(0, burst).Select(i => $"{{\"n\":{i}}}").ToList();
        foreach (var items in results)
        {
            Assert.Equal(expected, items.Where(i => i.Kind == PushItemKind.Event).Select(e => e.Data));
        }
    }

    [Fact]
    public async Task ThousandSubscribersOnThousandSubjects_CostThousandBrokerSubscriptions()
    {
        const int subjects = 1000;
        var gateway = await gateways.GetAsync("Nats");
        var prefix = "S" + Guid.NewGuid().ToString("N")[..8];
        var registry = (Gateway.Sessions.SessionRegistry)gateway.Services.GetService(typeof(Gateway.Sessions.SessionRegistry))!;
        var baseline = registry.CountForRoute("stream");
        using var stop = new CancellationTokenSource(Timeout);
        var clients = Enumerable.Range(0, subjects).Select(n => RawPushClient.CollectAsync(
            RawPushClient.SseAsync(gateway.PublicUrl, $"/t/{prefix}x{n}/events", null, stop.Token), _ => false, Timeout)).ToList();
        await Eventually.TrueAsync(() => registry.CountForRoute("stream") >= baseline + subjects, Timeout, "all subscribers are connected");

        // Core NATS: the gateway's subscriptions are visible in nats-server's own monitoring endpoint.
        await Eventually.TrueAsync(async () => await SubscriptionsMatchingAsync($"t.{prefix}x") == subjects, Timeout,
            "nats-server shows one subscription per subject");
        await stop.CancelAsync();
        await Task.WhenAll(clients);
    }

    /// <summary>Counts JetStream consumers filtered on the subject, from nats-server's <c>/jsz</c>.</summary>
    private async Task<int> ConsumersFilteringAsync(string subject)
    {
        using var http = new HttpClient();
        var json = await http.GetFromJsonAsync<JsonElement>($"{gateways.Nats.MonitorUrl}/jsz?accounts=true&streams=true&consumers=true&config=true");
        var count = 0;
        foreach (var account in json.GetProperty("account_details").EnumerateArray())
        {
            foreach (var stream in account.GetProperty("stream_detail").EnumerateArray())
            {
                if (!stream.TryGetProperty("consumer_detail", out var consumers))
                {
                    continue;
                }

                foreach (var consumer in consumers.EnumerateArray())
                {
                    var config = consumer.GetProperty("config");
                    if ((config.TryGetProperty("filter_subject", out var f) && f.GetString() == subject) ||
                        (config.TryGetProperty("filter_subjects", out var fs) && fs.EnumerateArray().Any(x => x.GetString() == subject)))
                    {
                        count++;
                    }
                }
            }
        }

        return count;
    }

    /// <summary>Counts subscriptions in nats-server's <c>/subsz</c> whose subject starts with (or equals) the given text.</summary>
    private async Task<int> SubscriptionsMatchingAsync(string text)
    {
        using var http = new HttpClient();
        var json = await http.GetFromJsonAsync<JsonElement>($"{gateways.Nats.MonitorUrl}/subsz?subs=1&limit=100000");
        if (!json.TryGetProperty("subscriptions_list", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            return 0;
        }

        return list.EnumerateArray().Count(s => s.GetProperty("subject").GetString() is { } subject &&
            subject.StartsWith(text, StringComparison.Ordinal));
    }
}
