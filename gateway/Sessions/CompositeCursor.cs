using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Sessions;

/// <summary>
/// The resume point of a multiplexed stream: one cursor per subscribed path in one opaque string
/// (docs/protocol.md "Composite cursor"). Paths are not spelt out: each is an 8-hex-digit key (the first four bytes of
/// its SHA-256), and cursors of one epoch share it, so <c>v1~j1a2239c2be2.3f9a0c12-42.77b1e0aa-17</c> resumes two
/// subscriptions. Its length grows with the subscriptions (about 20 characters each), which the gateway caps, so it
/// fits a <c>Last-Event-ID</c> header and a query string.
/// </summary>
internal sealed class CompositeCursor
{
    public const string Version = "v1";

    private readonly SortedDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private string? _text;

    public int Count => _entries.Count;

    /// <summary>The key of <paramref name="path"/> in a composite cursor.</summary>
    public static string Key(string path)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(path), hash);
        return Convert.ToHexStringLower(hash[..4]);
    }

    /// <summary>Reads a composite cursor into key → cursor. Anything that does not parse, or is longer than <paramref name="maxLength"/>, is malformed.</summary>
    public static CursorParse Parse(string? text, int maxLength, out Dictionary<string, Cursor> cursors)
    {
        cursors = new Dictionary<string, Cursor>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(text))
        {
            return CursorParse.Absent;
        }

        if (text.Length > maxLength || !text.StartsWith(Version, StringComparison.Ordinal))
        {
            return CursorParse.Malformed;
        }

        var rest = text.AsSpan(Version.Length);
        if (rest.IsEmpty)
        {
            return CursorParse.Valid;
        }

        if (rest[0] != '~')
        {
            return CursorParse.Malformed;
        }

        foreach (var groupRange in rest[1..].Split('~'))
        {
            var group = rest[1..][groupRange];
            var dot = group.IndexOf('.');
            if (dot <= 0 || dot > Cursor.MaxLength)
            {
                return CursorParse.Malformed;
            }

            var epoch = group[..dot];
            foreach (var c in epoch)
            {
                if (!char.IsAsciiLetterOrDigit(c))
                {
                    return CursorParse.Malformed;
                }
            }

            var epochText = epoch.ToString();
            foreach (var entryRange in group[(dot + 1)..].Split('.'))
            {
                var entry = group[(dot + 1)..][entryRange];
                if (entry.Length < 10 || entry[8] != '-' || !IsHex(entry[..8]) ||
                    !ulong.TryParse(entry[9..], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence) ||
                    !cursors.TryAdd(entry[..8].ToString(), new Cursor(epochText, sequence)))
                {
                    return CursorParse.Malformed;
                }
            }
        }

        return CursorParse.Valid;
    }

    /// <summary>Sets the cursor of <paramref name="path"/> (added if new).</summary>
    public void Set(string path, Cursor cursor)
    {
        if (_entries.TryGetValue(path, out var entry))
        {
            if (entry.Cursor == cursor)
            {
                return;
            }

            _entries[path] = entry with { Cursor = cursor };
        }
        else
        {
            _entries[path] = new Entry(Key(path), cursor);
        }

        _text = null;
    }

    public void Remove(string path)
    {
        if (_entries.Remove(path))
        {
            _text = null;
        }
    }

    /// <summary>The composite text: groups by epoch, entries by key, so equal states give equal text (a short-poll ETag).</summary>
    public override string ToString()
    {
        if (_text is not null)
        {
            return _text;
        }

        var sb = new StringBuilder(Version, 16 + (_entries.Count * 24));
        foreach (var group in _entries.Values.GroupBy(e => e.Cursor.Epoch, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            sb.Append('~').Append(group.Key);
            foreach (var e in group.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                sb.Append('.').Append(e.Key).Append('-').Append(e.Cursor.Sequence.ToString(CultureInfo.InvariantCulture));
            }
        }

        return _text = sb.ToString();
    }

    private static bool IsHex(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private readonly record struct Entry(string Key, Cursor Cursor);
}
