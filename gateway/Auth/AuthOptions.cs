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

    /// <summary>Expected <c>iss</c>; default none (not checked).</summary>
    public string? Issuer { get; set; }

    /// <summary>Expected <c>aud</c>; default none (not checked).</summary>
    public string? Audience { get; set; }

    /// <summary>Default true: an authority's metadata must come over HTTPS. Off only for local development.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>Default 30 s of clock skew tolerated on <c>exp</c>/<c>nbf</c>.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Named authorization policies: claim type to accepted values (any one), all claims required.</summary>
    public Dictionary<string, Dictionary<string, string[]>> Policies { get; set; } = [];

    public bool Enabled => !string.IsNullOrEmpty(SigningKey) || !string.IsNullOrEmpty(Authority);
}
