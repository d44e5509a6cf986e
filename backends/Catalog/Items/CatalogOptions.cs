namespace Backends.Catalog.Items;

/// <summary>Configuration section <c>Catalog</c>.</summary>
internal sealed class CatalogOptions
{
    /// <summary>
    /// Send ETags and answer If-None-Match/If-Match. Default false: a plain backend, so the gateway has to
    /// hash bodies to give clients ETags and to notice changes when it watches an item.
    /// </summary>
    public bool ETags { get; set; }
}
