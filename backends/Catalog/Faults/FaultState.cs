namespace Backends.Catalog.Faults;

/// <summary>
/// What /items requests suffer now: a <paramref name="Status"/> answer (0: none) for the next
/// <paramref name="Remaining"/> requests (-1: until cleared), after a delay of <paramref name="DelayMs"/>.
/// </summary>
internal sealed record FaultState(int Status, int Remaining, int DelayMs)
{
    public static readonly FaultState None = new(0, 0, 0);
}
