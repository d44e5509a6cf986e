using System.Text;
using System.Text.Json;
using Gateway.Broker;
using Gateway.Sessions;

namespace Gateway.Sessions.Tests;

public sealed class EventEncodingTests
{
    private static EventEntry Entry(string payload, string type = "tick") =>
        new(new BrokerEvent(7, "s", type, Encoding.UTF8.GetBytes(payload), DateTimeOffset.UnixEpoch), "e1-7", 0);

    [Fact]
    public void Sse_JsonPayload_IsOneFrameWithIdEventData()
    {
        Assert.Equal("id: e1-7\nevent: tick\ndata: {\"p\":1}\n\n", Encoding.UTF8.GetString(Entry("{\"p\":1}").Sse));
    }

    [Fact]
    public void Sse_TextWithLineBreaks_IsEscapedSoNoFieldCanBeInjected()
    {
        var frame = Encoding.UTF8.GetString(Entry("a\r\nid: 9\rdata: x\nevent: evil").Sse);
        var lines = frame.Split('\n');
        Assert.Equal(["id: e1-7", "event: tick"], lines[..2]);
        Assert.Single(lines, l => l.StartsWith("id:", StringComparison.Ordinal));
        Assert.Single(lines, l => l.StartsWith("event:", StringComparison.Ordinal));
        var data = string.Join("\n", lines.Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => l[6..]));
        Assert.Equal("a\r\nid: 9\rdata: x\nevent: evil", JsonSerializer.Deserialize<string>(data));
    }

    [Fact]
    public void Sse_PrettyJson_SplitsIntoDataLines()
    {
        var frame = Encoding.UTF8.GetString(Entry("{\r\n\"a\": 1\n}").Sse);
        Assert.Equal("id: e1-7\nevent: tick\ndata: {\ndata: \"a\": 1\ndata: }\n\n", frame);
    }

    [Theory]
    [InlineData("{\"a\":[1,2]}", true)]
    [InlineData("42", true)]
    [InlineData("\"s\"", true)]
    [InlineData("{\"a\":1} trailing", false)]
    [InlineData("{bad}", false)]
    [InlineData("", false)]
    [InlineData("plain text", false)]
    public void IsJson_ClassifiesPayload(string payload, bool expected) => Assert.Equal(expected, EventEncoding.IsJson(Encoding.UTF8.GetBytes(payload)));

    [Fact]
    public void Json_TextPayload_BecomesJsonString()
    {
        using var doc = JsonDocument.Parse(Entry("hello\nworld").Json);
        Assert.Equal("event", doc.RootElement.GetProperty("type").GetString());
        Assert.Equal("e1-7", doc.RootElement.GetProperty("id").GetString());
        Assert.Equal("tick", doc.RootElement.GetProperty("event").GetString());
        Assert.Equal("hello\nworld", doc.RootElement.GetProperty("data").GetString());
    }

    [Fact]
    public void Json_JsonPayload_PassesThroughAsJson()
    {
        using var doc = JsonDocument.Parse(Entry("{\"x\":{\"y\":true}}").Json);
        Assert.True(doc.RootElement.GetProperty("data").GetProperty("x").GetProperty("y").GetBoolean());
    }

    [Fact]
    public void Encoding_IsDoneOncePerFormat()
    {
        var entry = Entry("{}");
        Assert.Same(entry.Sse, entry.Sse);
        Assert.Same(entry.Json, entry.Json);
    }

    [Theory]
    [InlineData("tick", "tick")]
    [InlineData("order.updated", "order.updated")]
    [InlineData("bad\nline", "message")]
    [InlineData("", "message")]
    [InlineData(null, "message")]
    public void SanitizeEventType_OnlyTokensSurvive(string? input, string expected) => Assert.Equal(expected, GatewayHeaders.SanitizeEventType(input));
}
