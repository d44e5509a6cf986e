using System.Collections.Concurrent;
using System.Text.Json;
using Gateway.Broker;

namespace Gateway.Presence.Tests;

/// <summary>A broker that keeps what was published: the announcements of every tracker that shares it, in order.</summary>
internal sealed class RecordingBroker : IEventBroker
{
    public ConcurrentQueue<(string Subject, string Type, string Client)> Published { get; } = new();

    public BrokerKind Kind => BrokerKind.Memory;

    public bool IsConnected => true;

    public ValueTask PublishAsync(OutgoingMessage message, CancellationToken cancellationToken)
    {
        var client = JsonDocument.Parse(message.Data).RootElement.GetProperty("client").GetString()!;
        Published.Enqueue((message.Subject, message.EventType!, client));
        return ValueTask.CompletedTask;
    }

    public ValueTask<ISubjectFeed> OpenFeedAsync(string subject, CancellationToken cancellationToken) => throw new NotSupportedException();

    public ValueTask<bool> PingAsync(CancellationToken cancellationToken) => ValueTask.FromResult(true);

    /// <summary>"join:a", "leave:b", ... in publish order.</summary>
    public List<string> Events() => Published.Select(p => $"{p.Type["gateway.".Length..]}:{p.Client}").ToList();
}
