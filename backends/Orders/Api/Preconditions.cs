using Backends.Orders.Store;
using Microsoft.Net.Http.Headers;

namespace Backends.Orders.Api;

/// <summary>
/// Conditional requests (RFC 9110 section 13): If-Match uses the strong comparison, If-None-Match the weak one.
/// </summary>
internal static class Preconditions
{
    /// <summary>True when a GET's If-None-Match names the current representation (answer 304).</summary>
    public static bool IsNotModified(HttpRequest request, Order order)
    {
        var tags = request.GetTypedHeaders().IfNoneMatch;
        return tags.Count > 0 && Matches(tags, order, strong: false);
    }

    /// <summary>The 412 answer a write gets when its preconditions fail against <paramref name="current"/>; else null.</summary>
    public static IResult? CheckWrite(HttpRequest request, Order? current)
    {
        var headers = request.GetTypedHeaders();
        var ifMatch = headers.IfMatch;
        if (ifMatch.Count > 0 && (current is null || !Matches(ifMatch, current, strong: true)))
        {
            return Failed(request, current, "If-Match does not match the current order");
        }

        var ifNoneMatch = headers.IfNoneMatch;
        if (ifNoneMatch.Count > 0 && current is not null && Matches(ifNoneMatch, current, strong: false))
        {
            return Failed(request, current, "If-None-Match matches the current order");
        }

        return null;
    }

    private static bool Matches(IList<EntityTagHeaderValue> tags, Order order, bool strong)
    {
        var etag = new EntityTagHeaderValue(order.ETag());
        return tags.Any(tag => tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(etag, useStrongComparison: strong));
    }

    private static IResult Failed(HttpRequest request, Order? current, string message)
    {
        if (current is not null)
        {
            request.HttpContext.Response.Headers.ETag = current.ETag();
        }

        return ApiResults.Error(StatusCodes.Status412PreconditionFailed, message);
    }
}
