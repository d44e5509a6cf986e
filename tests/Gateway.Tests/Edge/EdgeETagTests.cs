using System.Text;
using Gateway.Edge;

namespace Gateway.Edge.Tests;

public sealed class EdgeETagTests
{
    [Fact]
    public void Compute_IsStrongQuotedAndStable()
    {
        var a = EdgeETagMiddleware.Compute(Encoding.UTF8.GetBytes("{\"id\":1}"));
        Assert.StartsWith("\"", a, StringComparison.Ordinal);
        Assert.EndsWith("\"", a, StringComparison.Ordinal);
        Assert.DoesNotContain("W/", a, StringComparison.Ordinal);
        Assert.Equal(a, EdgeETagMiddleware.Compute(Encoding.UTF8.GetBytes("{\"id\":1}")));
        Assert.NotEqual(a, EdgeETagMiddleware.Compute(Encoding.UTF8.GetBytes("{\"id\":2}")));
    }

    [Theory]
    [InlineData("\"abc\"", "\"abc\"", true)]
    [InlineData("W/\"abc\"", "\"abc\"", true)]
    [InlineData("\"x\", \"abc\"", "\"abc\"", true)]
    [InlineData("*", "\"abc\"", true)]
    [InlineData("\"abd\"", "\"abc\"", false)]
    [InlineData("abc", "\"abc\"", false)]
    public void Matches_UsesWeakComparison(string ifNoneMatch, string etag, bool expected) =>
        Assert.Equal(expected, EdgeETagMiddleware.Matches(ifNoneMatch, etag));
}
