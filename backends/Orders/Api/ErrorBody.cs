namespace Backends.Orders.Api;

/// <summary>Every 4xx answer carries one of these: <c>{"error":"..."}</c>.</summary>
internal sealed record ErrorBody(string Error);
