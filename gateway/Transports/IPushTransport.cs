using Gateway.Routing;
using Gateway.Sessions;

namespace Gateway.Transports;

/// <summary>
/// One wire (SignalR's <c>IHttpTransport</c> idea, turned the right way round): it opens on a request and hands back a
/// connection that is two small things, a writer and an end signal. The push endpoint runs the session on them. A
/// transport never sees a topic, the broker, a registry or a cursor store; the four differ only in how they write and
/// how they notice the end.
/// </summary>
internal interface IPushTransport
{
    TransportKind Kind { get; }

    /// <summary>How long a session on this wire lives: a stream, a long poll or a single poll.</summary>
    SessionMode Mode { get; }

    /// <summary>Starts the wire (response headers, the WebSocket handshake). Null when the client left while it opened.</summary>
    ValueTask<ITransportConnection?> OpenAsync(TransportOpening opening);

    /// <summary>Refuses a new connection (rate limit, drain, broker down) the way this transport's clients understand.</summary>
    Task RejectAsync(HttpContext http, int status, string reason, TimeSpan retryAfter);
}

/// <summary>
/// What a transport needs to open: the request, its route's settings, for two-way wires the client-message handler, and
/// the poll-interval hint for this request (the route's fixed one, or the adaptive one, docs/polling.md).
/// </summary>
internal readonly record struct TransportOpening(HttpContext Http, PushRoute Route, PushOptions Options, IClientMessages Messages, TimeSpan PollInterval);

/// <summary>An open wire: its writer and its end signal.</summary>
internal interface ITransportConnection : IAsyncDisposable
{
    ISessionWriter Writer { get; }

    /// <summary>Cancelled when the client is gone or the request is over.</summary>
    CancellationToken Ended { get; }

    /// <summary>How long a long poll may be held (from the request); zero for the other wires.</summary>
    TimeSpan Wait { get; }

    /// <summary>Cuts the wire without a goodbye: a blocked write fails, the session ends.</summary>
    void Abort();

    /// <summary>Finishes the wire after the session ended (the WebSocket closing handshake); returns the reason to record.</summary>
    ValueTask<CloseReason> CompleteAsync(CloseReason reason);
}

/// <summary>Messages a client sends on a two-way wire (WebSocket publishes). The push endpoint implements it.</summary>
internal interface IClientMessages
{
    ValueTask<ClientMessageResult> PublishAsync(string? eventType, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);
}

/// <summary>
/// Messages on a multiplexed WebSocket (docs/protocol.md "One connection, many subscriptions"): every one names its path.
/// Subscribe and unsubscribe are answered by the stream itself; an error result is sent as an error frame for the path.
/// </summary>
internal interface ISubscriptionMessages : IClientMessages
{
    ValueTask<ClientMessageResult> SubscribeAsync(string path, string? cursor, CancellationToken cancellationToken);

    ValueTask<ClientMessageResult> UnsubscribeAsync(string path, CancellationToken cancellationToken);

    ValueTask<ClientMessageResult> PublishAsync(string path, string? eventType, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);
}

/// <summary>The answer to a client message: success, or an error code and message for the error frame.</summary>
internal readonly record struct ClientMessageResult(string? Error, string? Message)
{
    public static readonly ClientMessageResult Ok = new(null, null);
}
