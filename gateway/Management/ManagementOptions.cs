using System.Net;

namespace Gateway.Management;

/// <summary>Management listener settings, section <c>Gateway:Management</c> (docs/security.md, "Management port").</summary>
public sealed class ManagementOptions
{
    public const string Section = "Gateway:Management";

    /// <summary>Shortest token accepted: a management token is a shared secret, not a password a person types.</summary>
    public const int MinTokenLength = 16;

    /// <summary>
    /// Default null: the port of the Kestrel endpoint named <c>Management</c>. Management paths answer only there, and the
    /// proxy never answers there, so exposing the public port never exposes <c>/admin</c>.
    /// </summary>
    public int? Port { get; set; }

    /// <summary>
    /// Default none. When set, <c>/admin/*</c> and <c>/publish/*</c> need <c>Authorization: Bearer &lt;token&gt;</c>;
    /// <c>/metrics</c>, <c>/healthz</c> and <c>/readyz</c> stay open. Required whenever the management endpoint does not
    /// bind loopback only (a start-up error otherwise): on loopback the host itself is the boundary.
    /// </summary>
    public string? Token { get; set; }

    /// <summary>
    /// Host names (besides IP literals and <c>localhost</c>) a management request may name in its <c>Host</c> header.
    /// Default none: a DNS-rebinding page reaches the port under the attacker's own name, and is refused.
    /// </summary>
    public List<string> AllowedHosts { get; set; } = [];

    /// <summary>Every configuration mistake, given the management endpoint's URL; empty when usable.</summary>
    public IReadOnlyList<string> Problems(string? endpointUrl)
    {
        var problems = new List<string>();
        if (!string.IsNullOrEmpty(Token) && Token.Length < MinTokenLength)
        {
            problems.Add($"Gateway:Management:Token must be at least {MinTokenLength} characters.");
        }

        if (string.IsNullOrEmpty(Token) && !string.IsNullOrEmpty(endpointUrl) && !IsLoopback(endpointUrl))
        {
            problems.Add($"Gateway:Management:Token is required: the management endpoint '{endpointUrl}' is not loopback-only.");
        }

        return problems;
    }

    /// <summary>The port of a Kestrel URL, wildcard hosts included; null when there is none.</summary>
    internal static int? PortOf(string? url) => Parse(url)?.Port;

    internal static bool IsLoopback(string url)
    {
        var uri = Parse(url);
        if (uri is null)
        {
            return false;
        }

        return uri.IsLoopback || (IPAddress.TryParse(uri.DnsSafeHost, out var address) && IPAddress.IsLoopback(address));
    }

    // Kestrel accepts wildcard hosts ("http://*:8081", "http://+:8081") that Uri does not.
    private static Uri? Parse(string? url)
    {
        if (string.IsNullOrEmpty(url))
        {
            return null;
        }

        var normalized = url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
        return Uri.TryCreate(normalized, UriKind.Absolute, out var uri) ? uri : null;
    }
}
