using System.Globalization;
using System.Text.RegularExpressions;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Routing;

/// <summary>
/// Parses and validates a route's <c>Push.*</c> metadata in one pass, collecting every error (YARP's ConfigValidator style)
/// so a bad file is reported whole.
/// </summary>
internal static partial class PushRouteParser
{
    public static PushRoute? Parse(RouteConfig route, PushOptions defaults, List<string> errors)
    {
        var metadata = route.Metadata;
        if (metadata is null || !metadata.Keys.Any(k => k.StartsWith("Push.", StringComparison.Ordinal)))
        {
            return null;
        }

        var id = route.RouteId;
        string Where(string key) => $"route '{id}', {key}";
        var before = errors.Count;

        foreach (var key in metadata.Keys)
        {
            if (key.StartsWith("Push.", StringComparison.Ordinal) && !PushMetadataKeys.All.Contains(key))
            {
                errors.Add($"{Where(key)}: unknown key; known keys are {string.Join(", ", PushMetadataKeys.All)}.");
            }
        }

        var pathParameters = PathParameters(route.Match?.Path);
        SubjectTemplate? Template(string key)
        {
            if (!metadata.TryGetValue(key, out var value))
            {
                return null;
            }

            var template = SubjectTemplate.Parse(value, Where(key), errors);
            if (template is not null)
            {
                foreach (var p in template.Parameters)
                {
                    if (!pathParameters.Contains(p))
                    {
                        errors.Add($"{Where(key)}: placeholder '{{{p}}}' is not a parameter of the route path '{route.Match?.Path}'.");
                    }
                }
            }

            return template;
        }

        var subject = Template(PushMetadataKeys.Subject);
        ClaimRequirement? requireClaim = null;
        if (metadata.TryGetValue(PushMetadataKeys.RequireClaim, out var claimText))
        {
            requireClaim = ClaimRequirement.Parse(claimText, Where(PushMetadataKeys.RequireClaim), errors);
            foreach (var p in requireClaim?.Value.Parameters ?? [])
            {
                if (!pathParameters.Contains(p))
                {
                    errors.Add($"{Where(PushMetadataKeys.RequireClaim)}: placeholder '{{{p}}}' is not a parameter of the route path '{route.Match?.Path}'.");
                }
            }
        }

        var upstream = Template(PushMetadataKeys.Upstream);
        var notify = Template(PushMetadataKeys.Notify);

        var transports = new List<TransportKind>();
        if (metadata.TryGetValue(PushMetadataKeys.Transports, out var list))
        {
            foreach (var raw in list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (!TransportNames.TryParse(raw, out var kind))
                {
                    errors.Add($"{Where(PushMetadataKeys.Transports)}: unknown transport '{raw}'; use websocket, sse, longpolling, polling.");
                }
                else if (transports.Contains(kind))
                {
                    errors.Add($"{Where(PushMetadataKeys.Transports)}: '{raw}' is listed twice.");
                }
                else
                {
                    transports.Add(kind);
                }
            }

            if (transports.Count == 0 && errors.Count == before)
            {
                errors.Add($"{Where(PushMetadataKeys.Transports)}: no transport listed; remove the key to allow all.");
            }
        }
        else
        {
            transports.AddRange(TransportNames.All);
        }

        metadata.TryGetValue(PushMetadataKeys.Watch, out var watch);
        if (watch is not null)
        {
            if (!watch.StartsWith('/'))
            {
                errors.Add($"{Where(PushMetadataKeys.Watch)}: '{watch}' must be a backend path starting with '/'.");
            }

            if (PlaceholderRegex().Replace(watch, string.Empty).AsSpan().IndexOfAny('{', '}') >= 0)
            {
                errors.Add($"{Where(PushMetadataKeys.Watch)}: '{watch}' has an unclosed or stray brace; placeholders are {{name}}.");
            }

            foreach (Match m in PlaceholderRegex().Matches(watch))
            {
                if (!pathParameters.Contains(m.Groups[1].Value))
                {
                    errors.Add($"{Where(PushMetadataKeys.Watch)}: placeholder '{{{m.Groups[1].Value}}}' is not a parameter of the route path.");
                }
            }

            if (subject is null)
            {
                errors.Add($"{Where(PushMetadataKeys.Watch)}: a watched route needs Push.Subject to publish its changes to.");
            }

            if (string.IsNullOrEmpty(route.ClusterId))
            {
                errors.Add($"{Where(PushMetadataKeys.Watch)}: a watched route needs a ClusterId to poll.");
            }
        }

        if (!metadata.ContainsKey(PushMetadataKeys.Subject) && !metadata.ContainsKey(PushMetadataKeys.Upstream) &&
            !metadata.ContainsKey(PushMetadataKeys.Notify) && watch is null)
        {
            errors.Add($"route '{id}': Push.* keys are set but none of Push.Subject, Push.Notify or Push.Upstream.");
        }

        var watchInterval = Duration(metadata, PushMetadataKeys.WatchInterval, TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1), Where, errors);
        var heartbeat = Duration(metadata, PushMetadataKeys.Heartbeat, defaults.HeartbeatInterval, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(90), Where, errors);
        var pollInterval = Duration(metadata, PushMetadataKeys.PollInterval, defaults.PollInterval, TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1), Where, errors);
        var adaptivePoll = Bounds(metadata, Where, errors);
        var queue = Integer(metadata, PushMetadataKeys.QueueCapacity, 1, 1_000_000, Where, errors) ?? defaults.QueueCapacity;
        var connectBurst = Integer(metadata, PushMetadataKeys.ConnectBurst, 1, 1_000_000, Where, errors);
        var pollBurst = Integer(metadata, PushMetadataKeys.PollBurst, 1, 1_000_000, Where, errors);
        var maxSessions = Integer(metadata, PushMetadataKeys.MaxSessions, 1, 10_000_000, Where, errors);
        var connectRate = Rate(metadata, PushMetadataKeys.ConnectRate, Where, errors);
        var pollRate = Rate(metadata, PushMetadataKeys.PollRate, Where, errors);
        var publishRate = Rate(metadata, PushMetadataKeys.PublishRate, Where, errors);
        var publishBurst = Integer(metadata, PushMetadataKeys.PublishBurst, 1, 1_000_000, Where, errors);

        var slow = defaults.SlowConsumer;
        if (metadata.TryGetValue(PushMetadataKeys.SlowConsumer, out var slowText) && !Enum.TryParse(slowText, ignoreCase: true, out slow))
        {
            errors.Add($"{Where(PushMetadataKeys.SlowConsumer)}: '{slowText}' is not one of Disconnect, DropOldest.");
        }

        var presence = Presence(metadata, subject is not null, Where, errors);
        if (errors.Count > before)
        {
            return null;
        }

        return new PushRoute(id, route.ClusterId, subject, transports, upstream, watch, watchInterval, notify, queue, slow, heartbeat, pollInterval, adaptivePoll,
            connectRate, connectBurst, pollRate, pollBurst, maxSessions)
        {
            PublishRate = publishRate,
            PublishBurst = publishBurst,
            RequireClaim = requireClaim,
            Presence = presence,
        };
    }

    private static HashSet<string> PathParameters(string? path)
    {
        var set = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (path is null)
        {
            return set;
        }

        foreach (Match m in PathParameterRegex().Matches(path))
        {
            set.Add(m.Groups[1].Value);
        }

        return set;
    }

    private static TimeSpan Duration(IReadOnlyDictionary<string, string> metadata, string key, TimeSpan fallback, TimeSpan min, TimeSpan max, Func<string, string> where, List<string> errors)
    {
        if (!metadata.TryGetValue(key, out var text))
        {
            return fallback;
        }

        if (!TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            errors.Add($"{where(key)}: '{text}' must be a duration (hh:mm:ss) between {min} and {max}.");
            return fallback;
        }

        return value;
    }

    /// <summary>
    /// <c>Push.PollIntervalMin</c> / <c>Push.PollIntervalMax</c>: either one switches the short-poll hint from the fixed
    /// <c>Push.PollInterval</c> to the adaptive one (docs/polling.md); the missing bound takes its default.
    /// </summary>
    private static PollBounds? Bounds(IReadOnlyDictionary<string, string> metadata, Func<string, string> where, List<string> errors)
    {
        if (!metadata.ContainsKey(PushMetadataKeys.PollIntervalMin) && !metadata.ContainsKey(PushMetadataKeys.PollIntervalMax))
        {
            return null;
        }

        var before = errors.Count;
        var min = Duration(metadata, PushMetadataKeys.PollIntervalMin, PollBounds.DefaultMin, PollBounds.Floor, PollBounds.Ceiling, where, errors);
        var max = Duration(metadata, PushMetadataKeys.PollIntervalMax, PollBounds.DefaultMax, PollBounds.Floor, PollBounds.Ceiling, where, errors);
        if (errors.Count == before && min > max)
        {
            errors.Add($"{where(PushMetadataKeys.PollIntervalMin)}: {min} is above Push.PollIntervalMax ({max}).");
        }

        return errors.Count == before ? new PollBounds(min, max) : null;
    }

    private static int? Integer(IReadOnlyDictionary<string, string> metadata, string key, int min, int max, Func<string, string> where, List<string> errors)
    {
        if (!metadata.TryGetValue(key, out var text))
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            errors.Add($"{where(key)}: '{text}' must be an integer between {min} and {max}.");
            return null;
        }

        return value;
    }

    private static double? Rate(IReadOnlyDictionary<string, string> metadata, string key, Func<string, string> where, List<string> errors)
    {
        if (!metadata.TryGetValue(key, out var text))
        {
            return null;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value <= 0 || value > 1_000_000)
        {
            errors.Add($"{where(key)}: '{text}' must be a positive number of tokens per second.");
            return null;
        }

        return value;
    }

    [GeneratedRegex(@"\{\**([A-Za-z_][A-Za-z0-9_]*)[^}]*\}", RegexOptions.CultureInvariant)]
    private static partial Regex PathParameterRegex();

    [GeneratedRegex(@"\{([A-Za-z_][A-Za-z0-9_]*)\}", RegexOptions.CultureInvariant)]
    private static partial Regex PlaceholderRegex();
}
