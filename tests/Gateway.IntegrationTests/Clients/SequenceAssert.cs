using EdgeGateway.Client;
using Xunit.Sdk;

namespace Gateway.IntegrationTests.Clients;

/// <summary>Assertions on a received numbered sequence (see <see cref="SequencePublisher"/>).</summary>
internal static class SequenceAssert
{
    /// <summary>
    /// The events are exactly <c>first..last</c> with <c>first &lt;= mustStartBy</c>: nothing missing, nothing twice, in
    /// order, up to the last one published.
    /// </summary>
    public static void Complete(SubscriptionRecorder recorder, int mustStartBy, int last)
    {
        var numbers = recorder.Numbers;
        var problems = new List<string>();
        if (numbers.Count == 0)
        {
            problems.Add("no event received");
        }
        else
        {
            if (numbers[0] > mustStartBy)
            {
                problems.Add($"the first event received is {numbers[0]}, but every event from {mustStartBy} on was published after the subscription started");
            }

            for (var i = 1; i < numbers.Count; i++)
            {
                if (numbers[i] != numbers[i - 1] + 1)
                {
                    problems.Add($"event {numbers[i]} follows {numbers[i - 1]} at position {i}");
                }
            }

            if (numbers[^1] != last)
            {
                problems.Add($"the last event received is {numbers[^1]}, the last published {last}");
            }
        }

        var ids = recorder.Events.Select(e => e.Id).ToList();
        if (ids.Distinct(StringComparer.Ordinal).Count() != ids.Count)
        {
            problems.Add("an id was delivered twice");
        }

        if (recorder.Events.Any(e => e.Event != SequencePublisher.EventType))
        {
            problems.Add("an event has the wrong type");
        }

        if (problems.Count > 0)
        {
            throw new XunitException(
                $"The sequence is not complete: {string.Join("; ", problems.Take(10))}.{Environment.NewLine}" +
                $"Received ({numbers.Count}): {string.Join(",", numbers)}{Environment.NewLine}States:{Environment.NewLine}{recorder.Describe()}");
        }
    }

    /// <summary>The subscription fell back from <paramref name="from"/> to <paramref name="to"/> for <paramref name="reason"/>.</summary>
    public static void FellBack(SubscriptionRecorder recorder, GatewayTransport from, GatewayTransport to, GatewayFallbackReason reason) =>
        Assert.True(
            recorder.States.Any(s => s.State == GatewayState.FellBack && s.From == from && s.Transport == to && s.FallbackReason == reason),
            $"Expected a fallback {from} -> {to} ({reason}). States:{Environment.NewLine}{recorder.Describe()}");
}
