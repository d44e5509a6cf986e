using Microsoft.Extensions.Options;

namespace Gateway.Broker;

/// <summary>
/// Checks <see cref="BrokerOptions"/> at start-up and reports every problem at once, with the setting's full name, so
/// a bad server list or a missing credentials file stops the gateway before it serves instead of failing to connect
/// forever (docs/scale-out.md "Broker connection").
/// </summary>
internal sealed class BrokerOptionsValidator : IValidateOptions<BrokerOptions>
{
    private const string Prefix = "Gateway:Broker:";

    private static readonly string[] Schemes = ["nats", "tls", "ws", "wss"];

    public ValidateOptionsResult Validate(string? name, BrokerOptions options)
    {
        var errors = new List<string>();
        if (options.Kind != BrokerKind.Memory)
        {
            ParseServers(options.Url, errors);
        }

        if (options.ReconnectWaitMin <= TimeSpan.Zero)
        {
            errors.Add($"{Prefix}ReconnectWaitMin must be positive (got {options.ReconnectWaitMin}).");
        }

        if (options.ReconnectWaitMax < options.ReconnectWaitMin)
        {
            errors.Add($"{Prefix}ReconnectWaitMax ({options.ReconnectWaitMax}) must not be below ReconnectWaitMin ({options.ReconnectWaitMin}).");
        }

        if (options.ReconnectJitter < TimeSpan.Zero)
        {
            errors.Add($"{Prefix}ReconnectJitter must not be negative (got {options.ReconnectJitter}).");
        }

        if (options.PingInterval < TimeSpan.FromMilliseconds(100))
        {
            errors.Add($"{Prefix}PingInterval must be at least 100 ms (got {options.PingInterval}).");
        }

        if (options.RequestTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{Prefix}RequestTimeout must be positive (got {options.RequestTimeout}).");
        }

        CheckFile(options.CredentialsFile, "CredentialsFile", errors);
        CheckFile(options.Tls.CaFile, "Tls:CaFile", errors);
        CheckFile(options.Tls.CertFile, "Tls:CertFile", errors);
        CheckFile(options.Tls.KeyFile, "Tls:KeyFile", errors);
        if (string.IsNullOrWhiteSpace(options.Tls.CertFile) != string.IsNullOrWhiteSpace(options.Tls.KeyFile))
        {
            errors.Add($"{Prefix}Tls:CertFile and {Prefix}Tls:KeyFile go together: a client certificate needs its key.");
        }

        foreach (var tag in options.Placement.Tags)
        {
            if (string.IsNullOrWhiteSpace(tag))
            {
                errors.Add($"{Prefix}Placement:Tags has an empty tag.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Splits a comma-separated server list into URIs; each entry must be <c>scheme://host:port</c> or <c>host:port</c>.</summary>
    internal static IReadOnlyList<Uri> ParseServers(string? list, List<string> errors)
    {
        var servers = new List<Uri>();
        var entries = (list ?? string.Empty).Split(',', StringSplitOptions.TrimEntries);
        if (entries.All(e => e.Length == 0))
        {
            errors.Add($"{Prefix}Url is empty: give one NATS server URL or a comma-separated list (nats://host:4222,nats://host2:4222).");
            return servers;
        }

        foreach (var entry in entries)
        {
            if (entry.Length == 0)
            {
                errors.Add($"{Prefix}Url '{list}' has an empty entry between commas.");
                continue;
            }

            var text = entry.Contains("://", StringComparison.Ordinal) ? entry : "nats://" + entry;
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
            {
                errors.Add($"{Prefix}Url entry '{entry}' is not a server URL (expected nats://host:port).");
                continue;
            }

            if (!Schemes.Contains(uri.Scheme, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add($"{Prefix}Url entry '{entry}' has scheme '{uri.Scheme}'; expected one of {string.Join(", ", Schemes)}.");
                continue;
            }

            if (uri.AbsolutePath is not ("" or "/") || uri.Query.Length > 0)
            {
                errors.Add($"{Prefix}Url entry '{entry}' has a path or query; a NATS server URL is scheme://host:port.");
                continue;
            }

            servers.Add(uri);
        }

        return servers;
    }

    private static void CheckFile(string? path, string key, List<string> errors)
    {
        if (!string.IsNullOrWhiteSpace(path) && !File.Exists(path))
        {
            errors.Add($"{Prefix}{key} '{path}' does not exist (resolved against {Directory.GetCurrentDirectory()}).");
        }
    }
}
