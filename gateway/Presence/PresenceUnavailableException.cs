namespace Gateway.Presence;

/// <summary>The presence store did not answer (NATS down or slow): a presence read is 503, a write is retried next cycle.</summary>
internal sealed class PresenceUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
