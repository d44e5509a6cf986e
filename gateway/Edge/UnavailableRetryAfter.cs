using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Edge;

/// <summary>
/// Circuit breaking toward a failing backend is YARP's passive health checks: destinations that keep failing are taken
/// out and YARP answers 503 while none is left. Clients need to know when to come back, so every 503 through the proxy
/// carries <c>Retry-After</c> (the backend's own value wins). A backend's 503 gets it in a response transform, before
/// YARP sends the headers; the proxy's own 503 (no destination, no body) after the proxy step, in
/// <see cref="ProxyMetricsMiddleware"/>. Neither registers a per-request callback.
/// </summary>
internal sealed class UnavailableRetryAfter : ITransformProvider
{
    /// <summary>Default advice: about the passive health check's reactivation period.</summary>
    public const string DefaultRetryAfterSeconds = "10";

    public static void Apply(HttpResponse response)
    {
        if (response.StatusCode == StatusCodes.Status503ServiceUnavailable && !response.HasStarted && !response.Headers.ContainsKey(HeaderNames.RetryAfter))
        {
            response.Headers.RetryAfter = DefaultRetryAfterSeconds;
        }
    }

    public void Apply(TransformBuilderContext context) =>
        context.AddResponseTransform(static transform =>
        {
            Apply(transform.HttpContext.Response);
            return ValueTask.CompletedTask;
        });

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }
}
