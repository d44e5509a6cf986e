using Gateway.Transports.Polling;
using Microsoft.AspNetCore.Http;

namespace Gateway.Transports.Tests;

public class PollingTransportTests
{
    [Theory]
    [InlineData("\"e1-5\"", true)]
    [InlineData("W/\"e1-5\"", true)]
    [InlineData("\"e1-4\"", false)]
    [InlineData("xe1-5x", false)]
    [InlineData("W/xe1-5x", false)]
    [InlineData("e1-5", false)]
    [InlineData("", false)]
    public void TryAnswerNotModified_IfNoneMatch_304OnlyForTheHeadsExactETag(string ifNoneMatch, bool notModified)
    {
        var http = new DefaultHttpContext();
        http.Request.Headers.IfNoneMatch = ifNoneMatch;
        Assert.Equal(notModified, PollingTransport.TryAnswerNotModified(http, "e1-5", TimeSpan.FromSeconds(5)));
        Assert.Equal(notModified ? 304 : 200, http.Response.StatusCode);
    }
}
