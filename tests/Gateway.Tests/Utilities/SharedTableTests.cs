using Gateway.Utilities;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Utilities.Tests;

/// <summary>The reference-counted table behind topics and watchers, on a fake clock.</summary>
public sealed class SharedTableTests
{
    private static readonly TimeSpan Linger = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _time = new();
    private int _created;

    [Fact]
    public void Holders_ShareOneEntry_WhichOutlivesTheLastOneByTheLinger_AndNeverWhileHeld()
    {
        var table = new SharedTable<Thing>(_time);
        var a = Acquire(table, "k");
        var b = Acquire(table, "k");
        Assert.Same(a, b);
        Assert.Equal(1, _created);
        Assert.Equal(2, a.References);

        table.Release(a);
        _time.Advance(Linger * 2);
        Assert.Null(Sweep(table));
        Assert.Equal(1, table.Count);

        table.Release(b);
        _time.Advance(Linger - TimeSpan.FromTicks(1));
        Assert.Null(Sweep(table));
        Assert.True(table.TryAcquire("k", _ => true, out var again));
        Assert.Same(a, again);
        table.Release(again);

        _time.Advance(Linger);
        Assert.Same(a, Assert.Single(Sweep(table)!));
        Assert.Equal(0, table.Count);
        Assert.False(table.TryPeek("k", out _));
    }

    [Fact]
    public void AnUnusableEntry_IsReplaced_AndTheOldOneHandedBackOnlyWhenItsHoldersLeave()
    {
        var table = new SharedTable<Thing>(_time);
        var old = Acquire(table, "k");
        old.Broken = true;

        var fresh = Acquire(table, "k");
        Assert.NotSame(old, fresh);
        Assert.Equal(1, table.Count);
        _time.Advance(Linger * 2);
        Assert.Null(Sweep(table));

        table.Release("k", t => t == old);
        Assert.Equal(1, fresh.References);
        _time.Advance(Linger * 2);
        Assert.Same(old, Assert.Single(Sweep(table)!));
    }

    [Fact]
    public void ACreateThatThrows_TakesNothing()
    {
        var table = new SharedTable<Thing>(_time);
        Acquire(table, "a");
        Assert.Throws<InvalidOperationException>(() => table.Acquire("b", 1, static (key, others, max) => others >= max ? throw new InvalidOperationException("cap") : new Thing(key), static _ => true));
        Assert.Equal(1, table.Count);
        Assert.False(table.TryPeek("b", out _));
    }

    [Fact]
    public void ReleaseWithDrop_RemovesAFailedEntryAtOnce_SoTheNextAcquireMakesANewOne()
    {
        var table = new SharedTable<Thing>(_time);
        var failed = Acquire(table, "k");
        table.Release(failed, dropIfCurrent: true);
        Assert.Equal(0, table.Count);
        Assert.NotSame(failed, Acquire(table, "k"));
    }

    private Thing Acquire(SharedTable<Thing> table, string key) =>
        table.Acquire(key, this, static (k, _, self) => { self._created++; return new Thing(k); }, static t => !t.Broken);

    private List<Thing>? Sweep(SharedTable<Thing> table) =>
        table.Sweep(t => t.Broken || _time.GetElapsedTime(t.ReleasedAt) >= Linger);

    private sealed class Thing(string key) : SharedEntry(key)
    {
        public bool Broken { get; set; }
    }
}
