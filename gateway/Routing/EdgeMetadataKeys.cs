namespace Gateway.Routing;

/// <summary>The YARP route metadata keys for edge features of REST routes (docs/idempotency.md, docs/decisions.md).</summary>
internal static class EdgeMetadataKeys
{
    /// <summary><c>false</c> switches edge ETags off on the route (docs/decisions.md, "Edge ETags").</summary>
    public const string ETag = "Edge.ETag";
    public const string Idempotency = "Edge.Idempotency";
    public const string IdempotencyTtl = "Edge.IdempotencyTtl";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { ETag, Idempotency, IdempotencyTtl };
}
