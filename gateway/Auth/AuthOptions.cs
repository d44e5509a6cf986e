namespace Gateway.Auth;

/// <summary>
/// JWT bearer authentication, section <c>Gateway:Auth</c>. Off unless <see cref="SigningKey"/> or <see cref="Authority"/>
/// is set. Routes opt in with YARP's <c>AuthorizationPolicy</c> (<c>default</c> = any valid token, or a policy below).
/// </summary>
public sealed class AuthOptions
{
    public const string Section = "Gateway:Auth";

    /// <summary>Symmetric HMAC key (at least 32 bytes of UTF-8). Default none.</summary>
    public string? SigningKey { get; set; }

    /// <summary>OpenID Connect authority whose JWKS signs tokens (asymmetric keys, rotation). Default none.</summary>
    public string? Authority { get; set; }

    /// <summary>
    /// Expected <c>iss</c>. Required when auth is on (a start-up error otherwise), unless <see cref="Authority"/> supplies it
    /// or <see cref="ValidateIssuer"/> is switched off: without it any token signed with the key would be accepted.
    /// </summary>
    public string? Issuer { get; set; }

    /// <summary>
    /// Expected <c>aud</c>. Required when auth is on (a start-up error otherwise) unless <see cref="ValidateAudience"/> is
    /// switched off: a token minted for another service must not open this one.
    /// </summary>
    public string? Audience { get; set; }

    /// <summary>Default true: <c>iss</c> is checked. Switch off only deliberately (docs/security.md).</summary>
    public bool ValidateIssuer { get; set; } = true;

    /// <summary>Default true: <c>aud</c> is checked. Switch off only deliberately (docs/security.md).</summary>
    public bool ValidateAudience { get; set; } = true;

    /// <summary>Default true: an authority's metadata must come over HTTPS. Off only for local development.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>Default 30 s of clock skew tolerated on <c>exp</c>/<c>nbf</c>.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Named authorization policies: claim type to accepted values (any one), all claims required.</summary>
    public Dictionary<string, Dictionary<string, string[]>> Policies { get; set; } = [];

    /// <summary>Every configuration mistake, empty when the options are usable.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!string.IsNullOrEmpty(SigningKey) && System.Text.Encoding.UTF8.GetByteCount(SigningKey) < 32)
        {
            problems.Add("Gateway:Auth:SigningKey must be at least 32 bytes.");
        }

        if (Enabled && ValidateIssuer && string.IsNullOrEmpty(Issuer) && string.IsNullOrEmpty(Authority))
        {
            problems.Add("Gateway:Auth:Issuer is required (or set Gateway:Auth:ValidateIssuer to false deliberately).");
        }

        if (Enabled && ValidateAudience && string.IsNullOrEmpty(Audience))
        {
            problems.Add("Gateway:Auth:Audience is required (or set Gateway:Auth:ValidateAudience to false deliberately).");
        }

        return problems;
    }

    public bool Enabled => !string.IsNullOrEmpty(SigningKey) || !string.IsNullOrEmpty(Authority);
}
