namespace Backends.Catalog.Items;

/// <summary>One catalog item: its JSON exactly as it is served, and a version from a store-wide counter.</summary>
internal sealed record StoredItem(string Id, byte[] Json, long Version)
{
    /// <summary>The strong entity tag, sent only when Catalog:ETags is on.</summary>
    public string ETag() => $"\"c{Version}\"";
}
