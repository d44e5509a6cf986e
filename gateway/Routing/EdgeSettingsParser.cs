using System.Globalization;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Routing;

/// <summary>Parses a route's <c>Edge.*</c> metadata, adding every error it finds to the caller's list.</summary>
internal static class EdgeSettingsParser
{
    private static readonly TimeSpan MinTtl = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxTtl = TimeSpan.FromDays(30);

    public static EdgeSettings? Parse(RouteConfig route, List<string> errors)
    {
        var metadata = route.Metadata;
        if (metadata is null || !metadata.Keys.Any(k => k.StartsWith("Edge.", StringComparison.Ordinal)))
        {
            return null;
        }

        string Where(string key) => $"route '{route.RouteId}', {key}";
        var before = errors.Count;
        foreach (var key in metadata.Keys)
        {
            if (key.StartsWith("Edge.", StringComparison.Ordinal) && !EdgeMetadataKeys.All.Contains(key))
            {
                errors.Add($"{Where(key)}: unknown key; known keys are {string.Join(", ", EdgeMetadataKeys.All)}.");
            }
        }

        var idempotency = false;
        if (metadata.TryGetValue(EdgeMetadataKeys.Idempotency, out var flag) && !bool.TryParse(flag, out idempotency))
        {
            errors.Add($"{Where(EdgeMetadataKeys.Idempotency)}: '{flag}' must be true or false.");
        }

        if (metadata.TryGetValue(EdgeMetadataKeys.ETag, out var etag) && !bool.TryParse(etag, out _))
        {
            errors.Add($"{Where(EdgeMetadataKeys.ETag)}: '{etag}' must be true or false.");
        }

        var ttl = EdgeSettings.DefaultIdempotencyTtl;
        if (metadata.TryGetValue(EdgeMetadataKeys.IdempotencyTtl, out var ttlText) &&
            (!TimeSpan.TryParse(ttlText, CultureInfo.InvariantCulture, out ttl) || ttl < MinTtl || ttl > MaxTtl))
        {
            errors.Add($"{Where(EdgeMetadataKeys.IdempotencyTtl)}: '{ttlText}' must be a duration ([d.]hh:mm:ss) between {MinTtl} and {MaxTtl}.");
        }

        if (idempotency && string.IsNullOrEmpty(route.ClusterId))
        {
            errors.Add($"{Where(EdgeMetadataKeys.Idempotency)}: idempotent writes need a ClusterId to proxy the first request to.");
        }

        if (idempotency && metadata.ContainsKey(PushMetadataKeys.Subject))
        {
            errors.Add($"{Where(EdgeMetadataKeys.Idempotency)}: a push route (Push.Subject) is not a REST write route; put it on the REST route.");
        }

        return errors.Count > before ? null : new EdgeSettings(route.RouteId, idempotency, ttl);
    }
}
