namespace Gateway.Routing;

/// <summary>
/// The named ASP.NET Core rate-limiter policies the gateway registers. A YARP route names one in <c>RateLimiterPolicy</c>;
/// push routes that name none get <see cref="Push"/>, which picks one of the four by what the request does.
/// </summary>
public static class RateLimitPolicyNames
{
    public const string Push = "gw-push";
    public const string Connect = "gw-connect";
    public const string Negotiate = "gw-negotiate";
    public const string Poll = "gw-poll";
    public const string Publish = "gw-publish";
}
