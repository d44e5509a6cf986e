namespace Backends.Prices.Ticks;

/// <summary>A price that moves by a small random step (about 0.1 %) on every tick and never goes below 1.</summary>
internal sealed class RandomWalk(decimal start, Random random)
{
    public decimal Price { get; private set; } = start;

    /// <summary>Moves the price one step; returns the change, rounded to cents like the price.</summary>
    public decimal Step()
    {
        var factor = 1m + (decimal)((random.NextDouble() - 0.5) * 0.002);
        var next = Math.Max(1m, Math.Round(Price * factor, 2, MidpointRounding.AwayFromZero));
        var change = next - Price;
        Price = next;
        return change;
    }
}
