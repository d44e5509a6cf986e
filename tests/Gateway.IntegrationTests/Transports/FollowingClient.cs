namespace Gateway.IntegrationTests.Transports;

/// <summary>A client that keeps one history across reconnects and instances: what a real client with a front does.</summary>
internal sealed class FollowingClient
{
    public List<PushItem> Received { get; } = [];

    public Task Completion { get; set; } = Task.CompletedTask;
}
