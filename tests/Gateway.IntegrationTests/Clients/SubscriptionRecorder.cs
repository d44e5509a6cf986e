using System.Text.Json;
using EdgeGateway.Client;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Clients;

/// <summary>Records what a subscription delivered and every state it reported, for assertions and failure messages.</summary>
internal sealed class SubscriptionRecorder
{
    private readonly Lock gate = new();
    private readonly List<GatewayEvent> events = [];
    private readonly List<GatewayStateChange> states = [];
    private readonly ITestOutputHelper? output;
    private readonly SequencePublisher? publisher;
    private int? publishedAtNegotiate;

    /// <param name="output">Where state changes are written.</param>
    /// <param name="publisher">The publisher whose sequence the subscription receives, for <see cref="FirstRequired"/>.</param>
    public SubscriptionRecorder(ITestOutputHelper? output = null, SequencePublisher? publisher = null)
    {
        this.output = output;
        this.publisher = publisher;
    }

    /// <summary>
    /// For a subscription without a cursor of its own: the first number it must deliver. It starts at the cursor of its
    /// first negotiation, which answered before the first state after <see cref="GatewayState.Connecting"/> was reported;
    /// the count acknowledged then, plus two, was sent after that (the one in between may have been stored before).
    /// </summary>
    public int FirstRequired => (publishedAtNegotiate ?? throw new InvalidOperationException("No state after Connecting was reported.")) + 2;

    public int Count
    {
        get
        {
            lock (gate)
            {
                return events.Count;
            }
        }
    }

    public IReadOnlyList<GatewayEvent> Events
    {
        get
        {
            lock (gate)
            {
                return [.. events];
            }
        }
    }

    public IReadOnlyList<GatewayStateChange> States
    {
        get
        {
            lock (gate)
            {
                return [.. states];
            }
        }
    }

    /// <summary>The <c>n</c> of every event received, in order of arrival.</summary>
    public IReadOnlyList<int> Numbers => [.. Events.Select(Number)];

    public void OnState(GatewayStateChange change)
    {
        if (publisher is not null && publishedAtNegotiate is null && change.State != GatewayState.Connecting)
        {
            publishedAtNegotiate = publisher.Published;
        }

        lock (gate)
        {
            states.Add(change);
        }

        TestOutput.TryWriteLine(output, $"[client] {Describe(change)}");
    }

    /// <summary>Reads the subscription's events into the record until it ends; the task faults if the subscription fails.</summary>
    public Task PumpAsync(GatewaySubscription subscription) => Task.Run(async () =>
    {
        await foreach (var e in subscription.Events)
        {
            lock (gate)
            {
                events.Add(e);
            }
        }
    });

    /// <summary>The states, one per line, for failure messages.</summary>
    public string Describe() => string.Join(Environment.NewLine, States.Select(Describe));

    public static int Number(GatewayEvent e) => e.Data.ValueKind == JsonValueKind.Object && e.Data.TryGetProperty("n", out var n) ? n.GetInt32() : -1;

    private static string Describe(GatewayStateChange s) =>
        $"{s.State} transport={s.Transport} from={s.From} reason={s.FallbackReason?.ToString() ?? s.Reason} delay={s.Delay?.TotalMilliseconds:0} error={s.Error?.GetType().Name}: {s.Error?.Message}";
}
