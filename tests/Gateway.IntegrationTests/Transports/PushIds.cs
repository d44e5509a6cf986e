using System.Globalization;

namespace Gateway.IntegrationTests.Transports;

internal static class PushIds
{
    public static ulong Sequence(string id) => ulong.Parse(id[(id.LastIndexOf('-') + 1)..], CultureInfo.InvariantCulture);

    public static string Epoch(string id) => id[..id.LastIndexOf('-')];

    public static void AssertStrictlyIncreasing(IReadOnlyList<PushItem> events)
    {
        for (var i = 1; i < events.Count; i++)
        {
            Assert.Equal(Epoch(events[i - 1].Id!), Epoch(events[i].Id!));
            Assert.True(Sequence(events[i].Id!) > Sequence(events[i - 1].Id!), $"id {events[i].Id} does not follow {events[i - 1].Id}");
        }
    }
}
