using System.Globalization;

namespace Gateway.Sessions;

/// <summary>
/// A resume point: the epoch of the history and the last sequence the client has. On the wire it is the opaque string
/// <c>{epoch}-{sequence}</c>; anything that does not parse is "malformed" and answered with a reset, never an error loop.
/// </summary>
internal readonly record struct Cursor(string Epoch, ulong Sequence)
{
    /// <summary>Longer input is not a cursor this gateway issued (issued cursors are under 40 characters).</summary>
    public const int MaxLength = 64;

    public override string ToString() => $"{Epoch}-{Sequence.ToString(CultureInfo.InvariantCulture)}";

    public static CursorParse Parse(string? text, out Cursor cursor)
    {
        cursor = default;
        if (string.IsNullOrEmpty(text))
        {
            return CursorParse.Absent;
        }

        if (text.Length > MaxLength)
        {
            return CursorParse.Malformed;
        }

        var dash = text.LastIndexOf('-');
        if (dash <= 0 || dash == text.Length - 1)
        {
            return CursorParse.Malformed;
        }

        var epoch = text[..dash];
        foreach (var c in epoch)
        {
            if (!char.IsAsciiLetterOrDigit(c))
            {
                return CursorParse.Malformed;
            }
        }

        if (!ulong.TryParse(text.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
        {
            return CursorParse.Malformed;
        }

        cursor = new Cursor(epoch, seq);
        return CursorParse.Valid;
    }
}

internal enum CursorParse
{
    Absent,
    Valid,
    Malformed,
}
