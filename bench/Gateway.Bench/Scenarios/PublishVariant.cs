namespace Gateway.Bench.Scenarios;

/// <summary>How the M events are published.</summary>
internal enum PublishVariant
{
    /// <summary>At the target rate (<c>--rate</c>).</summary>
    Paced,

    /// <summary>As fast as the publisher's connection takes them.</summary>
    Max,
}
