using Gateway.Routing;

namespace Gateway.Routing.Tests;

public sealed class SubjectTemplateTests
{
    [Theory]
    [InlineData("42")]
    [InlineData("AAPL")]
    [InlineData("a_b-C")]
    public void TryFill_ValidToken_MakesSubject(string value)
    {
        var template = SubjectTemplate.Parse("orders.{id}", "t", [])!;
        Assert.True(template.TryFill(_ => value, out var subject, out var bad));
        Assert.Equal("orders." + value, subject);
        Assert.Null(bad);
    }

    [Theory]
    [InlineData("a.b")]
    [InlineData("*")]
    [InlineData(">")]
    [InlineData("a b")]
    [InlineData("a\0b")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("\u00e9")]
    [InlineData("a\n")]
    [InlineData("a\r\n")]
    [InlineData("a\t")]
    [InlineData("a\u2028")]
    public void TryFill_UnsafeValue_IsRefusedNeverASubject(string? value)
    {
        var template = SubjectTemplate.Parse("orders.{id}", "t", [])!;
        Assert.False(template.TryFill(_ => value, out var subject, out var bad));
        Assert.Equal(string.Empty, subject);
        Assert.Equal("id", bad);
    }

    [Fact]
    public void TryFill_ValueOf129Characters_IsRefused()
    {
        var template = SubjectTemplate.Parse("x.{id}", "t", [])!;
        Assert.False(template.TryFill(_ => new string('a', 129), out _, out _));
        Assert.True(template.TryFill(_ => new string('a', 128), out _, out _));
    }

    [Theory]
    [InlineData("orders.*")]
    [InlineData("orders.>")]
    [InlineData("orders.{id")]
    [InlineData("orders..x")]
    [InlineData(".orders")]
    [InlineData("orders.{1bad}")]
    [InlineData("or ders")]
    [InlineData("")]
    public void Parse_BadTemplate_ReportsError(string template)
    {
        var errors = new List<string>();
        Assert.Null(SubjectTemplate.Parse(template, "route 'r', Push.Subject", errors));
        Assert.Contains(errors, e => e.StartsWith("route 'r', Push.Subject", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_SeveralPlaceholders_ListsParameters()
    {
        var template = SubjectTemplate.Parse("rooms.{room}.users.{user}", "t", [])!;
        Assert.Equal(["room", "user"], template.Parameters);
        Assert.True(template.TryFill(n => n == "room" ? "lobby" : "ann", out var subject, out _));
        Assert.Equal("rooms.lobby.users.ann", subject);
    }
}
