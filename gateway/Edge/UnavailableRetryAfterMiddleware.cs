namespace Gateway.Edge;

/// <summary>
/// Circuit breaking toward a failing backend is YARP's passive health checks: destinations that keep failing are taken
/// out and YARP answers 503 while none is left. Clients need to know when to come back, so every 503 through the proxy
/// carries <c>Retry-After</c> (the backend's own value wins).
/// </summary>
internal sealed class UnavailableRetryAfterMiddleware
{
    /// <summary>Default advice: about the passive health check's reactivation period.</summary>
    public const string DefaultRetryAfterSeconds = "10";

    public Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        context.Response.OnStarting(static state =>
        {
            var response = (HttpResponse)state;
            if (response.StatusCode == StatusCodes.Status503ServiceUnavailable && !response.Headers.ContainsKey("Retry-After"))
            {
                response.Headers.RetryAfter = DefaultRetryAfterSeconds;
            }

            return Task.CompletedTask;
        }, context.Response);
        return next();
    }
}
