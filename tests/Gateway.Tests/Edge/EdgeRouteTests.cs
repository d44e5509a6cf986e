using Gateway.Edge;

namespace Gateway.Edge.Tests;

public sealed class EdgeRouteTests
{
    [Theory]
    [InlineData(null, true)]
    [InlineData("true", true)]
    [InlineData("false", false)]
    [InlineData("False", false)]
    public void Parse_EdgeETagMetadata_SwitchesETagsOffOnlyWhenFalse(string? value, bool expected)
    {
        var metadata = value is null ? new Dictionary<string, string>() : new Dictionary<string, string> { [EdgeRoute.ETagKey] = value };
        Assert.Equal(expected, EdgeRoute.Parse(metadata).ETags);
    }

    [Fact]
    public void Compute_IsAQuotedBase64UrlHashOf128Bits()
    {
        var etag = EdgeETagMiddleware.Compute("{\"id\":1}"u8);
        Assert.Equal(24, etag.Length);
        Assert.Matches("^\"[A-Za-z0-9_-]{22}\"$", etag);
    }
}
