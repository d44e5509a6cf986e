using System.Security.Cryptography;
using System.Text;

namespace Gateway.Edge.Idempotency;

/// <summary>The <c>Idempotency-Key</c> header's rules, and the store key that scopes it by route and client.</summary>
internal static class IdempotencyKeys
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";

    /// <summary>Longer keys are refused: they cost store space and no generator needs them (a UUID is 36).</summary>
    public const int MaxLength = 255;

    /// <summary>1..255 visible ASCII characters (a UUID, a ULID, a random token).</summary>
    public static bool IsValid(string key)
    {
        if (key.Length is 0 or > MaxLength)
        {
            return false;
        }

        foreach (var c in key)
        {
            if (c is < '!' or > '~')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The store key: a hash of route, client identity and key, so two clients (or two routes) never share a key, and
    /// whatever a client sends becomes a fixed-size token that NATS KV accepts.
    /// </summary>
    public static string Scope(string routeId, string client, string key)
    {
        var text = Encoding.UTF8.GetBytes($"{routeId}\n{client}\n{key}");
        return "k" + Convert.ToHexStringLower(SHA256.HashData(text));
    }

    /// <summary>What makes two requests the same request: method, path and query, and the body's bytes.</summary>
    public static string Fingerprint(string method, string pathAndQuery, ReadOnlySpan<byte> body)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{method}\n{pathAndQuery}\n"));
        hash.AppendData(body);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
