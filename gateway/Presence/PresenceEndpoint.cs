using System.Text.Json;
using Gateway.Routing;
using Gateway.Transports;

namespace Gateway.Presence;

/// <summary>
/// <c>GET {path}/presence</c>: the subject's members (docs/presence.md). The push endpoint has already authorized the
/// request exactly as it authorizes the stream (the route's policy, <c>Push.RequireClaim</c>).
/// </summary>
internal sealed class PresenceEndpoint(PresenceTracker tracker)
{
    public async Task HandleAsync(PushContext context)
    {
        var http = context.Http;
        if (context.Route.Presence is null)
        {
            await WireErrors.WriteAsync(http, 404, "presence_not_enabled", "This route does not track presence (Push.Presence).");
            return;
        }

        if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method))
        {
            http.Response.Headers.Allow = "GET";
            await WireErrors.WriteAsync(http, 405, "method_not_allowed", "Read presence with GET.");
            return;
        }

        IReadOnlyList<PresenceMember> members;
        try
        {
            members = await tracker.ListAsync(context.Route, context.Subject, http.RequestAborted);
        }
        catch (PresenceUnavailableException)
        {
            await WireErrors.WriteAsync(http, 503, "presence_unavailable", "The presence store does not answer now.", retryAfter: TimeSpan.FromSeconds(2));
            return;
        }

        var entries = new PresenceListEntry[members.Count];
        for (var i = 0; i < entries.Length; i++)
        {
            entries[i] = new PresenceListEntry(members[i].Client, members[i].User, members[i].Since.ToUniversalTime());
        }

        http.Response.Headers.CacheControl = "no-store";
        await http.Response.WriteAsJsonAsync(new PresenceList(entries.Length, entries), PresenceJsonContext.Default.PresenceList, "application/json", http.RequestAborted);
    }
}
