namespace Backends.Catalog.Stats;

/// <summary>GET /stats: <c>{"requests":N,"gets":N,"puts":N,"notModified":N}</c>.</summary>
internal sealed record StatsBody(long Requests, long Gets, long Puts, long NotModified);
