namespace Gateway.Management;

/// <summary>Management listener settings, section <c>Gateway:Management</c>.</summary>
public sealed class ManagementOptions
{
    public const string Section = "Gateway:Management";

    /// <summary>
    /// Default null: the port of the Kestrel endpoint named <c>Management</c>. Management paths answer only there, and the
    /// proxy never answers there, so exposing the public port never exposes <c>/admin</c>.
    /// </summary>
    public int? Port { get; set; }
}
