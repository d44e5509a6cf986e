namespace Gateway.IntegrationTests.Infrastructure;

internal static class GatewayHttp
{
    /// <summary>Longer than the longest long poll (55 s), so that only a hang trips it.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(70);

    public static HttpClient CreateClient(string baseUrl) => new()
    {
        BaseAddress = new Uri(baseUrl + "/"),
        Timeout = Timeout,
    };
}
