namespace Backends.Orders.Stats;

/// <summary>GET /stats: <c>{"requests":N}</c>.</summary>
internal sealed record StatsBody(long Requests);
