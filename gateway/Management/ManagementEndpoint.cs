namespace Gateway.Management;

/// <summary>
/// Endpoint metadata marking a management endpoint: it matches only on the management port (<see cref="ManagementPortPolicy"/>),
/// and a bearer token on it is the management token, never a user's JWT.
/// </summary>
internal sealed class ManagementEndpoint
{
    public static readonly ManagementEndpoint Instance = new();

    private ManagementEndpoint()
    {
    }
}
