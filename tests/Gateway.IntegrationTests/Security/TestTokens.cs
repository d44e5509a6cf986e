using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.IntegrationTests.Security;

/// <summary>Tokens for the security tests: signed with <see cref="Key"/> for issuer <c>tests</c> and audience <c>gateway-tests</c>.</summary>
internal static class TestTokens
{
    public const string Key = "a-test-signing-key-that-is-long-enough-32b";

    /// <summary>The <c>Gateway:Auth</c> section that accepts these tokens.</summary>
    public const string AuthJson = $$"""{ "SigningKey": "{{Key}}", "Issuer": "tests", "Audience": "gateway-tests", "ClockSkew": "00:00:00" }""";

    public static string For(string sub, string issuer = "tests", string? audience = "gateway-tests", string key = Key, TimeSpan? lifetime = null) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Subject = new ClaimsIdentity([new Claim("sub", sub)]),
            NotBefore = DateTime.UtcNow.AddMinutes(-10),
            Expires = DateTime.UtcNow + (lifetime ?? TimeSpan.FromMinutes(5)),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
        });

    /// <summary>An unsigned token (<c>alg: none</c>) with otherwise valid claims.</summary>
    public static string AlgNone(string sub)
    {
        static string Segment(string json) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(json));
        var exp = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds();
        return Segment("""{"alg":"none","typ":"JWT"}""") + "." + Segment($$"""{"sub":"{{sub}}","iss":"tests","aud":"gateway-tests","exp":{{exp}}}""") + ".";
    }
}
