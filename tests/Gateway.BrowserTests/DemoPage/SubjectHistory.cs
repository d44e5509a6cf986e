using System.Text.Json;
using Gateway.IntegrationTests.Infrastructure;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Gateway.BrowserTests;

/// <summary>
/// What the broker holds for one subject, read from JetStream itself (not through the gateway): the stream sequence of
/// every tick and its number. Event ids end in the stream sequence (<c>{epoch}-{sequence}</c>, docs/protocol.md), so
/// this is the list a page must have received, with nothing missing between its first id and the last tick.
/// </summary>
internal static class SubjectHistory
{
    /// <summary>The gateway's stream (<c>Gateway:Broker:StreamName</c>, default).</summary>
    public const string StreamName = "GATEWAY";

    /// <summary>Every message on <paramref name="subject"/>, oldest first.</summary>
    public static async Task<IReadOnlyList<StoredTick>> ReadAsync(NatsServerFixture nats, string subject, CancellationToken cancellationToken)
    {
        await using var connection = await nats.ConnectAsync(cancellationToken: cancellationToken);
        var js = new NatsJSContext(connection);

        // A plain pull consumer with filter_subject: NATS.Net's ordered consumer sends filter_subjects, which
        // nats-server 2.9 ignores.
        var consumer = await js.CreateConsumerAsync(
            StreamName,
            new ConsumerConfig
            {
                Name = "browser_tests_" + Guid.NewGuid().ToString("N"),
                FilterSubject = subject,
                DeliverPolicy = ConsumerConfigDeliverPolicy.All,
                AckPolicy = ConsumerConfigAckPolicy.None,
                InactiveThreshold = TimeSpan.FromSeconds(30),
                MemStorage = true,
                NumReplicas = 1,
            },
            cancellationToken);
        try
        {
            var pending = (int)consumer.Info.NumPending;
            var ticks = new List<StoredTick>(pending);
            while (ticks.Count < pending)
            {
                var page = new NatsJSFetchOpts { MaxMsgs = Math.Min(256, pending - ticks.Count), Expires = TimeSpan.FromSeconds(2) };
                var before = ticks.Count;
                await foreach (var msg in consumer.FetchAsync<byte[]>(page, cancellationToken: cancellationToken))
                {
                    using var json = JsonDocument.Parse(msg.Data);
                    ticks.Add(new StoredTick(msg.Metadata?.Sequence.Stream ?? 0, json.RootElement.GetProperty("n").GetInt32()));
                }

                if (ticks.Count == before)
                {
                    throw new InvalidOperationException($"JetStream returned nothing for {subject} though {pending - ticks.Count} messages are pending.");
                }
            }

            return ticks;
        }
        finally
        {
            await js.DeleteConsumerAsync(StreamName, consumer.Info.Name, CancellationToken.None);
        }
    }
}
