namespace Gateway.Sessions;

/// <summary>
/// Who is at the other end of a session, for features that follow people rather than connections (presence): an
/// identity that stays the same across reconnects (<paramref name="Id"/>: the token's subject, else the client's own id),
/// the client id it sent, and the token's subject if any.
/// </summary>
internal sealed record SessionPeer(string Id, string Client, string? User);
