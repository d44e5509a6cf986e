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
    private int _isJson; // 0 unknown, 1 yes, 2 no: the payload is validated once for both formats

    public BrokerEvent Source { get; } = source;

    public ulong Sequence => Source.Sequence;

    /// <summary>The wire id (a cursor string).</summary>
    public string Id { get; } = id;

    /// <summary>
    /// Bytes this entry accounts for in a replay ring: the payload and its two encodings (made on first use, but
    /// counted up front so the bound holds once they exist), plus the object overhead.
    /// </summary>
    public long Cost => (3L * Source.Data.Length) + 256;

    /// <summary>Position in the topic's local append order (for lag accounting).</summary>
    public long Index { get; } = index;

    /// <summary>True when the payload is one JSON value (passed through as JSON, else sent as a string).</summary>
    public bool IsJson
    {
        get
        {
            if (_isJson == 0)
            {
                _isJson = EventEncoding.IsJson(Source.Data.Span) ? 1 : 2;
            }

            return _isJson == 1;
        }
    }

    /// <summary>The SSE frame: <c>id:</c>, <c>event:</c>, one <c>data:</c> line per payload line, blank line.</summary>
    public byte[] Sse => _sse ??= EventEncoding.EncodeSse(this);

    /// <summary>The JSON object <c>{"type":"event","id":..,"event":..,"data":..}</c>: a WebSocket frame and a poll array item.</summary>
    public byte[] Json => _json ??= EventEncoding.EncodeJson(this);
}
