using Gateway.Transports.LongPolling;

namespace Gateway.Transports.Tests;

public sealed class LongPollingWaitTests
{
    [Theory]
    [InlineData("-1", 1)]
    [InlineData("0", 1)]
    [InlineData("0.5", 1)]
    [InlineData("20", 20)]
    [InlineData("99999", 55)]
    [InlineData("abc", 30)]
    [InlineData("NaN", 30)]
    [InlineData("Infinity", 30)]
    [InlineData(null, 30)]
    public void ParseWait_ClampsTo1To55Seconds_DefaultsWhenUnparsable(string? wait, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), LongPollingTransport.ParseWait(wait, TimeSpan.FromSeconds(30)));
}
