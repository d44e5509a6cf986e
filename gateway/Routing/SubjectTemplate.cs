using System.Text;
using System.Text.RegularExpressions;

namespace Gateway.Routing;

/// <summary>
/// A NATS subject template such as <c>orders.{id}</c>. Placeholders take route values, and a value is accepted only if it
/// matches <c>\A[A-Za-z0-9_-]{1,128}\z</c> (<c>$</c> would let a trailing newline through), so a client can never make a subject with <c>.</c>, <c>*</c>, <c>&gt;</c>, spaces or NUL.
/// </summary>
internal sealed partial class SubjectTemplate
{
    private readonly string[] _parts;

    private SubjectTemplate(string template, string[] parts, IReadOnlyList<string> parameters)
    {
        Template = template;
        _parts = parts;
        Parameters = parameters;
    }

    public string Template { get; }

    public IReadOnlyList<string> Parameters { get; }

    public static bool IsValidValue(string? value) => value is not null && ValueRegex().IsMatch(value);

    /// <summary>Parses a template, adding every problem to <paramref name="errors"/>.</summary>
    public static SubjectTemplate? Parse(string template, string describe, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(template))
        {
            errors.Add($"{describe}: the subject template is empty.");
            return null;
        }

        var parts = new List<string>();
        var parameters = new List<string>();
        var ok = true;
        var i = 0;
        var literal = new StringBuilder();
        while (i < template.Length)
        {
            var c = template[i];
            if (c == '{')
            {
                var end = template.IndexOf('}', i);
                if (end < 0)
                {
                    errors.Add($"{describe}: '{template}' has an unclosed '{{'.");
                    return null;
                }

                var name = template[(i + 1)..end];
                if (!NameRegex().IsMatch(name))
                {
                    errors.Add($"{describe}: '{template}' has an invalid placeholder '{{{name}}}'.");
                    ok = false;
                }

                parts.Add(literal.ToString());
                literal.Clear();
                parts.Add("{" + name);
                parameters.Add(name);
                i = end + 1;
                continue;
            }

            if (c is '*' or '>' or '}' || char.IsWhiteSpace(c) || char.IsControl(c))
            {
                errors.Add($"{describe}: '{template}' contains '{c}' ; a push subject is literal tokens and {{placeholders}}, no wildcards or spaces.");
                return null;
            }

            literal.Append(c);
            i++;
        }

        parts.Add(literal.ToString());
        var joined = string.Concat(parts);
        if (joined.StartsWith('.') || joined.EndsWith('.') || joined.Contains("..", StringComparison.Ordinal))
        {
            errors.Add($"{describe}: '{template}' has an empty subject token.");
            ok = false;
        }

        return ok ? new SubjectTemplate(template, [.. parts], parameters) : null;
    }

    /// <summary>Fills the template; returns false (and the offending parameter) if a value fails the token check.</summary>
    public bool TryFill(Func<string, string?> values, out string subject, out string? badParameter)
    {
        var sb = new StringBuilder(Template.Length + 16);
        foreach (var part in _parts)
        {
            if (part.StartsWith('{'))
            {
                var name = part[1..];
                var value = values(name);
                if (!IsValidValue(value))
                {
                    subject = string.Empty;
                    badParameter = name;
                    return false;
                }

                sb.Append(value);
            }
            else
            {
                sb.Append(part);
            }
        }

        subject = sb.ToString();
        badParameter = null;
        return true;
    }

    public override string ToString() => Template;

    [GeneratedRegex(@"\A[A-Za-z0-9_-]{1,128}\z", RegexOptions.CultureInvariant)]
    private static partial Regex ValueRegex();

    [GeneratedRegex(@"\A[A-Za-z_][A-Za-z0-9_]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex NameRegex();
}
