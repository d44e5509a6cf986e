using System.Globalization;
using Xunit.Sdk;

namespace Gateway.BrowserTests;

/// <summary>Checks what a page received against what the broker holds: every event from the first received on, once, in order.</summary>
internal static class DeliveryAssert
{
    /// <summary>
    /// The ids must be the stored ticks from the one matching the first id through the last one stored, each once and in
    /// stream order, all of one epoch. Events stored before the page's first id are not the page's (it starts from "now").
    /// </summary>
    public static void ContiguousFromFirst(IReadOnlyList<string> ids, IReadOnlyList<StoredTick> stored)
    {
        Assert.NotEmpty(ids);
        Assert.NotEmpty(stored);
        var epochs = ids.Select(id => id[..id.LastIndexOf('-')]).Distinct(StringComparer.Ordinal).ToList();
        Assert.True(epochs.Count == 1, $"All ids should carry one epoch; got {string.Join(", ", epochs)}.");
        var received = ids.Select(Sequence).ToList();
        var start = stored.ToList().FindIndex(t => t.Sequence == received[0]);
        Assert.True(start >= 0, $"The first id received ({ids[0]}) is not a stored tick of the subject.");
        var expected = stored.Skip(start).Select(t => t.Sequence).ToList();
        if (!received.SequenceEqual(expected))
        {
            var missing = expected.Except(received).Select(s => NumberOf(stored, s)).ToList();
            var duplicates = received.GroupBy(s => s).Where(g => g.Count() > 1).Select(g => NumberOf(stored, g.Key)).ToList();
            throw new XunitException(
                $"The page should have received ticks {stored[start].Number}..{stored[^1].Number} ({expected.Count}) once each, in order; "
                + $"it received {received.Count}. Missing ticks: [{string.Join(", ", missing)}]; duplicated: [{string.Join(", ", duplicates)}]; "
                + $"received in order: [{string.Join(", ", received.Select(s => NumberOf(stored, s)))}].");
        }
    }

    /// <summary>
    /// The ids must be exactly the stored ticks after <paramref name="negotiatedCursor"/> (where the page started: the
    /// client promises that nothing published between negotiate and connect is missed), once each and in order.
    /// </summary>
    public static void CompleteAfter(IReadOnlyList<string> ids, IReadOnlyList<StoredTick> stored, string? negotiatedCursor)
    {
        ContiguousFromFirst(ids, stored);
        var after = negotiatedCursor is null ? 0 : Sequence(negotiatedCursor);
        var first = stored.FirstOrDefault(t => t.Sequence > after);
        Assert.True(
            first is not null && Sequence(ids[0]) == first.Sequence,
            $"The page negotiated cursor {negotiatedCursor}, so its first event should be tick {first?.Number} (sequence {first?.Sequence}); "
            + $"it was sequence {Sequence(ids[0])}.");
    }

    /// <summary>The stream sequence an id ends in (<c>{epoch}-{sequence}</c>).</summary>
    public static ulong Sequence(string id) => ulong.Parse(id[(id.LastIndexOf('-') + 1)..], CultureInfo.InvariantCulture);

    private static string NumberOf(IReadOnlyList<StoredTick> stored, ulong sequence) =>
        stored.FirstOrDefault(t => t.Sequence == sequence)?.Number.ToString(CultureInfo.InvariantCulture) ?? $"seq {sequence}?";
}
