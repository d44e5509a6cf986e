using System.Text.RegularExpressions;

namespace Backends.Orders.Api;

/// <summary>
/// An order id becomes part of a NATS subject (orders.{id}), so it is held to the same rule as the gateway's
/// route values: no '.', '*', '>', whitespace or anything else a subject would read as syntax.
/// </summary>
internal static partial class OrderId
{
    /// <summary>A 400 answer when <paramref name="id"/> is not a valid order id; otherwise null.</summary>
    public static IResult? Reject(string id) =>
        Pattern().IsMatch(id)
            ? null
            : ApiResults.Error(StatusCodes.Status400BadRequest, "order id must match ^[A-Za-z0-9_-]{1,128}$");

    [GeneratedRegex("^[A-Za-z0-9_-]{1,128}$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
