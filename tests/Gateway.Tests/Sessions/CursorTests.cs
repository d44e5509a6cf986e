using Gateway.Sessions;

namespace Gateway.Sessions.Tests;

public sealed class CursorTests
{
    [Fact]
    public void Parse_RoundTripsToString()
    {
        var cursor = new Cursor("j18c2f", 42);
        Assert.Equal(CursorParse.Valid, Cursor.Parse(cursor.ToString(), out var parsed));
        Assert.Equal(cursor, parsed);
    }

    [Theory]
    [InlineData(null, "Absent")]
    [InlineData("", "Absent")]
    [InlineData("abc", "Malformed")]
    [InlineData("-5", "Malformed")]
    [InlineData("a-", "Malformed")]
    [InlineData("a b-5", "Malformed")]
    [InlineData("a-+5", "Malformed")]
    [InlineData("a-99999999999999999999999", "Malformed")]
    [InlineData("a.b-5", "Malformed")]
    [InlineData("abc-0", "Valid")]
    public void Parse_Input_IsClassified(string? text, string expected) => Assert.Equal(expected, Cursor.Parse(text, out _).ToString());

    [Fact]
    public void Parse_LongerThanAnyIssuedCursor_IsMalformed() =>
        Assert.Equal(CursorParse.Malformed, Cursor.Parse(new string('a', 60) + "-12345", out _));
}
