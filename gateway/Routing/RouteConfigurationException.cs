namespace Gateway.Routing;

/// <summary>Thrown by the route validator with every error it found for one route.</summary>
public sealed class RouteConfigurationException(IReadOnlyList<string> errors)
    : Exception(string.Join("; ", errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
