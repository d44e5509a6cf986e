using Microsoft.AspNetCore.Routing.Matching;

namespace Gateway.Management;

/// <summary>
/// Endpoint routing by listener: management endpoints match only on the management port, every other endpoint (the
/// proxy's routes) only elsewhere. ASP.NET's <c>RequireHost</c> matches the client-chosen <c>Host</c> header, which
/// would let a request on the public port name the management port; the local port cannot be chosen by the client.
/// </summary>
internal sealed class ManagementPortPolicy(ManagementPort port) : MatcherPolicy, IEndpointSelectorPolicy
{
    // Before YARP's header/query policies: they need not look at candidates this one throws out.
    public override int Order => -1000;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints) => true;

    public Task ApplyAsync(HttpContext httpContext, CandidateSet candidates)
    {
        var onManagement = port.IsManagement(httpContext);
        for (var i = 0; i < candidates.Count; i++)
        {
            if (!candidates.IsValidCandidate(i))
            {
                continue;
            }

            var isManagement = candidates[i].Endpoint.Metadata.GetMetadata<ManagementEndpoint>() is not null;
            if (isManagement != onManagement)
            {
                candidates.SetValidity(i, false);
            }
        }

        return Task.CompletedTask;
    }
}
