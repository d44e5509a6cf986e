using Gateway.Edge.Idempotency;

namespace Gateway.Edge.Idempotency.Tests;

public sealed class IdempotencyKeysTests
{
    [Theory]
    [InlineData("3f2c9a1e-7b1d-4c55-9a51-0c2f4f3b9d10", true)]
    [InlineData("a", true)]
    [InlineData("", false)]
    [InlineData("has space", false)]
    [InlineData("tab\there", false)]
    [InlineData("caf\u00e9", false)]
    public void IsValid_VisibleAsciiUpTo255(string key, bool valid) => Assert.Equal(valid, IdempotencyKeys.IsValid(key));

    [Fact]
    public void IsValid_256Characters_IsRefused()
    {
        Assert.True(IdempotencyKeys.IsValid(new string('k', 255)));
        Assert.False(IdempotencyKeys.IsValid(new string('k', 256)));
    }

    [Fact]
    public void Scope_DiffersByRouteClientAndKey_AndIsAValidKvKey()
    {
        var scoped = IdempotencyKeys.Scope("orders", "ip:10.0.0.1", "k1");

        Assert.NotEqual(scoped, IdempotencyKeys.Scope("orders-2", "ip:10.0.0.1", "k1"));
        Assert.NotEqual(scoped, IdempotencyKeys.Scope("orders", "ip:10.0.0.2", "k1"));
        Assert.NotEqual(scoped, IdempotencyKeys.Scope("orders", "ip:10.0.0.1", "k2"));
        Assert.Matches("^[a-z0-9]{65}$", scoped);
    }

    [Fact]
    public void Fingerprint_DiffersByMethodPathAndBody()
    {
        var f = IdempotencyKeys.Fingerprint("POST", "/orders", "{}"u8);

        Assert.Equal(f, IdempotencyKeys.Fingerprint("POST", "/orders", "{}"u8));
        Assert.NotEqual(f, IdempotencyKeys.Fingerprint("PATCH", "/orders", "{}"u8));
        Assert.NotEqual(f, IdempotencyKeys.Fingerprint("POST", "/orders?x=1", "{}"u8));
        Assert.NotEqual(f, IdempotencyKeys.Fingerprint("POST", "/orders", "{ }"u8));
    }
}
