namespace Gateway.Edge.Idempotency;

/// <summary>The idempotency store could not answer (broker down, bucket full): the write is refused with 503, never proxied unguarded.</summary>
internal sealed class IdempotencyStoreException(string message, Exception? inner = null) : Exception(message, inner);
