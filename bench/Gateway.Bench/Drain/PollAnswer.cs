using System.Text.Json;
using Gateway.Bench.Subscribers;

namespace Gateway.Bench.Drain;

/// <summary>
/// A long-poll or short-poll answer: <c>{"events":[{"type":"event","id":…,"data":{…}}],"cursor":…}</c>, plus
/// <c>"reset":true</c> or <c>"reconnect":{"reason":…,"retryMs":…}</c> (docs/protocol.md).
/// </summary>
internal sealed record PollAnswer(IReadOnlyList<(EventPayload Payload, string? Id)> Events, string? Cursor, bool Reset, ControlFields? Reconnect)
{
    public static PollAnswer Parse(byte[] body)
    {
        using var doc = JsonDocument.Parse(body);
        var root = doc.RootElement;
        var events = new List<(EventPayload, string?)>();
        if (root.TryGetProperty("events", out var items) && items.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in items.EnumerateArray())
            {
                if (item.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object &&
                    data.TryGetProperty("run", out var run) && data.TryGetProperty("seq", out var seq) && data.TryGetProperty("ts", out var ts))
                {
                    var id = item.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString() : null;
                    events.Add((new EventPayload(run.GetInt32(), seq.GetInt32(), ts.GetInt64()), id));
                }
            }
        }

        var cursor = root.TryGetProperty("cursor", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        var reset = root.TryGetProperty("reset", out var r) && r.ValueKind == JsonValueKind.True;
        ControlFields? reconnect = root.TryGetProperty("reconnect", out var advice) && advice.ValueKind == JsonValueKind.Object
            ? ControlFields.Parse(System.Text.Encoding.UTF8.GetBytes(advice.GetRawText()))
            : null;
        return new PollAnswer(events, cursor, reset, reconnect);
    }
}
