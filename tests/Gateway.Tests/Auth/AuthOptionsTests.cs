using Gateway.Auth;

namespace Gateway.Auth.Tests;

public sealed class AuthOptionsTests
{
    private const string Key = "a-test-signing-key-that-is-long-enough-32b";

    [Fact]
    public void SigningKey_WithoutIssuerOrAudience_IsAStartUpError()
    {
        var problems = new AuthOptions { SigningKey = Key }.Problems();
        Assert.Contains(problems, p => p.Contains("Issuer", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Audience", StringComparison.Ordinal));
    }

    [Fact]
    public void IssuerAndAudience_OrExplicitlySwitchedOff_AreAccepted()
    {
        Assert.Empty(new AuthOptions { SigningKey = Key, Issuer = "i", Audience = "a" }.Problems());
        Assert.Empty(new AuthOptions { SigningKey = Key, ValidateIssuer = false, ValidateAudience = false }.Problems());
        Assert.Empty(new AuthOptions { Authority = "https://idp.example", Audience = "a" }.Problems());
        Assert.Empty(new AuthOptions().Problems());
    }

    [Fact]
    public void ShortKey_IsRefused() => Assert.NotEmpty(new AuthOptions { SigningKey = "short", Issuer = "i", Audience = "a" }.Problems());
}
