using System.Security.Claims;

namespace Gateway.Routing;

/// <summary>
/// Per-subject authorization (<c>Push.RequireClaim</c>, <c>claim=template</c>, for example <c>sub={user}</c> or
/// <c>tenants={tenant}</c>): a token is admitted only when that claim equals the template filled with the request's route
/// values, or, for a multi-valued claim (a JSON array becomes one claim per element), contains it. So one user cannot read
/// or publish to another user's subject on a route whose policy only says "any valid token" (docs/security.md).
/// </summary>
internal sealed class ClaimRequirement(string claimType, SubjectTemplate value)
{
    public string ClaimType { get; } = claimType;

    public SubjectTemplate Value { get; } = value;

    /// <summary>Parses <c>claim=template</c>, adding every problem to <paramref name="errors"/>.</summary>
    public static ClaimRequirement? Parse(string text, string describe, List<string> errors)
    {
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0 || equals == text.Length - 1 || string.IsNullOrWhiteSpace(text[..equals]))
        {
            errors.Add($"{describe}: '{text}' is not claim=template (for example sub={{user}}).");
            return null;
        }

        var template = SubjectTemplate.Parse(text[(equals + 1)..].Trim(), describe, errors);
        return template is null ? null : new ClaimRequirement(text[..equals].Trim(), template);
    }

    /// <summary>True when <paramref name="user"/> carries the claim with the filled value.</summary>
    public bool Admits(ClaimsPrincipal user, Func<string, string?> routeValues)
    {
        if (!Value.TryFill(routeValues, out var expected, out _))
        {
            return false;
        }

        foreach (var claim in user.FindAll(ClaimType))
        {
            if (string.Equals(claim.Value, expected, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
