using Gateway.Observability;

namespace Gateway.Observability.Tests;

public sealed class MethodLabelTests
{
    [Theory]
    [InlineData("GET", "GET")]
    [InlineData("get", "GET")]
    [InlineData("PATCH", "PATCH")]
    [InlineData("CONNECT", "CONNECT")]
    [InlineData("PROPFIND", "other")]
    [InlineData("", "other")]
    [InlineData("GETX", "other")]
    public void Of_MapsToTheClosedSet(string method, string label) => Assert.Equal(label, MethodLabel.Of(method));

    [Fact]
    public void Of_AnyMethod_IsOneOfAll()
    {
        var random = new Random(16);
        for (var i = 0; i < 1000; i++)
        {
            var method = new string((char)('A' + random.Next(26)), random.Next(1, 12));
            Assert.Contains(MethodLabel.Of(method), MethodLabel.All);
        }
    }
}
