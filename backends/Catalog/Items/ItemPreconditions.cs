using Microsoft.Net.Http.Headers;

namespace Backends.Catalog.Items;

/// <summary>Conditional requests (RFC 9110 section 13), used only when Catalog:ETags is on.</summary>
internal static class ItemPreconditions
{
    /// <summary>True when If-None-Match names <paramref name="item"/> (weak comparison): answer 304.</summary>
    public static bool IsNotModified(HttpRequest request, StoredItem item) =>
        Matches(request.GetTypedHeaders().IfNoneMatch, item, strong: false);

    /// <summary>True when a PUT's If-Match is absent or names <paramref name="current"/> (strong comparison).</summary>
    public static bool IfMatchHolds(HttpRequest request, StoredItem? current)
    {
        var tags = request.GetTypedHeaders().IfMatch;
        return tags.Count == 0 || (current is not null && Matches(tags, current, strong: true));
    }

    private static bool Matches(IList<EntityTagHeaderValue> tags, StoredItem item, bool strong)
    {
        var etag = new EntityTagHeaderValue(item.ETag());
        return tags.Any(tag => tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(etag, useStrongComparison: strong));
    }
}
