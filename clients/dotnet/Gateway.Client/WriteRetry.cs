namespace EdgeGateway.Client;

/// <summary>
/// One retry of a write: the attempt that failed (1-based), its status (null when it failed on the network, then
/// <paramref name="Error"/> says how), the wait before the next attempt, and the key both carry.
/// </summary>
public readonly record struct WriteRetry(int Attempt, int? Status, Exception? Error, TimeSpan Delay, string IdempotencyKey);
