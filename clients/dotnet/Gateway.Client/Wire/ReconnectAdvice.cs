namespace EdgeGateway.Client.Wire;

/// <summary>The gateway's back-off advice from negotiate: full jitter between 0 and min(maxMs, baseMs * 2^attempt).</summary>
internal sealed record ReconnectAdvice(int BaseMs, int MaxMs);
