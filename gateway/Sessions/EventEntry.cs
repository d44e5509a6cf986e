using Gateway.Broker;

namespace Gateway.Sessions;

/// <summary>
/// One event as held in a topic's replay buffer. Each wire format is encoded at most once, on first use, and the same
/// bytes are written to every session on that format.
/// </summary>
internal sealed class EventEntry(BrokerEvent source, string id, long index)
{
    private byte[]? _sse;
    private byte[]? _json;

    public BrokerEvent Source { get; } = source;

    public ulong Sequence => Source.Sequence;

    /// <summary>The wire id (a cursor string).</summary>
    public string Id { get; } = id;

    /// <summary>Position in the topic's local append order (for lag accounting).</summary>
    public long Index { get; } = index;

    /// <summary>The SSE frame: <c>id:</c>, <c>event:</c>, one <c>data:</c> line per payload line, blank line.</summary>
    public byte[] Sse => _sse ??= EventEncoding.EncodeSse(this);

    /// <summary>The JSON object <c>{"type":"event","id":..,"event":..,"data":..}</c>: a WebSocket frame and a poll array item.</summary>
    public byte[] Json => _json ??= EventEncoding.EncodeJson(this);
}
