namespace EdgeGateway.Client.Wire;

/// <summary>The gateway's JSON error body: <c>{"error":"code","message":"…","allowed":[…]?,"retryAfterSeconds":N?}</c>.</summary>
internal sealed record WireError(string? Error, string? Message, IReadOnlyList<string>? Allowed, int? RetryAfterSeconds);
