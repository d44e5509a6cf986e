using Gateway.Routing;
using Gateway.Sessions;

namespace Gateway.Transports;

/// <summary>
/// One transport: it is handed the request and runs its session until it ends, returning why. The four transports
/// differ only in how they write and how they notice the end; the session does the rest.
/// </summary>
internal interface IPushTransport
{
    TransportKind Kind { get; }

    Task<CloseReason> RunAsync(PushContext context, Topic topic);

    /// <summary>Refuses a new connection (rate limit, drain, broker down) the way this transport's clients understand.</summary>
    Task RejectAsync(PushContext context, int status, string reason, TimeSpan retryAfter);
}
