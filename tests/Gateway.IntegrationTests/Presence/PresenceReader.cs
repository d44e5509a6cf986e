using System.Collections.Concurrent;
using System.Text.Json;
using Gateway.IntegrationTests.Transports;

namespace Gateway.IntegrationTests.Presence;

/// <summary>Reads <c>GET {path}/presence</c> and follows a stream's <c>gateway.join</c>/<c>gateway.leave</c> events.</summary>
internal static class PresenceReader
{
    /// <summary>The client ids listed, in the order the gateway lists them.</summary>
    public static async Task<List<string>> ClientsAsync(HttpClient http, string url)
    {
        using var response = await http.GetAsync(url);
        response.EnsureSuccessStatusCode();
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var members = doc.RootElement.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("client").GetString()!).ToList();
        Assert.Equal(members.Count, doc.RootElement.GetProperty("count").GetInt32());
        return members;
    }

    /// <summary>
    /// A session that stays until <paramref name="stop"/> is cancelled, recording presence events as "join:client" and
    /// any other event as "event" (a marker: whatever was published before it has arrived).
    /// </summary>
    public static Task FollowAsync(string baseUrl, string path, ConcurrentQueue<string> events, CancellationToken stop) => Task.Run(async () =>
    {
        try
        {
            await foreach (var item in RawPushClient.SseAsync(baseUrl, path, null, stop))
            {
                if (item is { Kind: PushItemKind.Event, EventType: "gateway.join" or "gateway.leave" })
                {
                    var client = JsonDocument.Parse(item.Data!).RootElement.GetProperty("client").GetString();
                    events.Enqueue($"{item.EventType["gateway.".Length..]}:{client}");
                }
                else if (item.Kind == PushItemKind.Event)
                {
                    events.Enqueue("event");
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException or IOException)
        {
            // Stopped, or its instance was killed.
        }
    });
}
