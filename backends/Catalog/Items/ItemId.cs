using System.Text.RegularExpressions;
using Backends.Catalog.Hosting;

namespace Backends.Catalog.Items;

/// <summary>Item ids follow the gateway's rule for route values, so the same ids work for REST and push.</summary>
internal static partial class ItemId
{
    /// <summary>A 400 answer when <paramref name="id"/> is not a valid item id; otherwise null.</summary>
    public static IResult? Reject(string id) =>
        Pattern().IsMatch(id)
            ? null
            : ErrorBody.Result(StatusCodes.Status400BadRequest, "item id must match ^[A-Za-z0-9_-]{1,128}$");

    [GeneratedRegex("^[A-Za-z0-9_-]{1,128}$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
