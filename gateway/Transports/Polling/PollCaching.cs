namespace Gateway.Transports.Polling;

/// <summary>
/// Cache headers of the gateway's own poll answers (200 and 304): always revalidated (<c>no-cache</c>), and never
/// stored by a shared cache when the request was authenticated (<c>private</c>, <c>Vary: Authorization</c>), since the
/// answer is one user's view of a subject (docs/security.md, "Shared caches").
/// </summary>
internal static class PollCaching
{
    public static void Apply(HttpContext http)
    {
        var response = http.Response;
        var authorization = http.Request.Headers.Authorization.Count > 0;
        if (authorization || http.User.Identity?.IsAuthenticated == true)
        {
            response.Headers.CacheControl = "private, no-cache";
            if (authorization)
            {
                response.Headers.Vary = "Authorization";
            }
        }
        else
        {
            response.Headers.CacheControl = "no-cache";
        }
    }
}
