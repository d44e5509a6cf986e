using Gateway.Routing;
using Yarp.ReverseProxy.Model;

namespace Gateway.Auth;

/// <summary>
/// Where a token may come as the <c>access_token</c> query parameter: only on push streams, because EventSource and
/// browsers' WebSocket cannot set headers. Anywhere else it would end up in backend URLs, access logs and browser
/// history, so it is ignored there (docs/security.md). An endpoint outside YARP (the multiplexed stream) opts in by
/// carrying <see cref="Instance"/> as metadata.
/// </summary>
internal sealed class AccessTokenQuery
{
    public const string Name = "access_token";

    public static readonly AccessTokenQuery Instance = new();

    private AccessTokenQuery()
    {
    }

    public static bool IsAllowed(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint is null)
        {
            return false;
        }

        if (endpoint.Metadata.GetMetadata<AccessTokenQuery>() is not null)
        {
            return true;
        }

        var model = endpoint.Metadata.GetMetadata<RouteModel>();
        return model is not null && context.RequestServices.GetRequiredService<PushRouteTable>().Get(model.Config) is { IsStream: true };
    }
}
