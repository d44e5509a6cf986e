namespace Gateway.IntegrationTests.Infrastructure.Intermediaries;

/// <summary>How an <see cref="UpgradeRefusingProxy"/> turns down a WebSocket handshake.</summary>
public enum UpgradeRefusal
{
    /// <summary>Answers <c>403 Forbidden</c>, as a corporate proxy or a WAF with WebSockets off does.</summary>
    Forbidden,

    /// <summary>Closes the connection without an answer, as a proxy that does not understand <c>Upgrade</c> may.</summary>
    Drop,

    /// <summary>
    /// Completes the handshake itself (101) and closes the connection at once, before any frame: a WebSocket that opens
    /// and never delivers, as behind a proxy that accepts upgrades but cannot reach its WebSocket backends.
    /// </summary>
    AcceptThenClose,
}
