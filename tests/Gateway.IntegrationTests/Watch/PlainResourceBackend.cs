using System.Collections.Concurrent;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Watch;

/// <summary>A REST backend that knows nothing of NATS or ETags, and counts its GETs.</summary>
internal sealed class PlainResourceBackend : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, int> _versions = new(StringComparer.Ordinal);
    private TestBackend? _backend;
    private int _gets;

    public string Url => _backend!.Url;

    public int Gets => Volatile.Read(ref _gets);

    private TaskCompletionSource _got = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Status the next PUTs answer with instead of applying (0 = apply).</summary>
    public int FailPutsWith { get; set; }

    /// <summary>A PUT applies its change at once but answers only after this many more GETs (0 = at once): the
    /// gateway's watch then sees the write's result before the write's response is back.</summary>
    public int HoldPutAnswersForGets { get; set; }

    public static async Task<PlainResourceBackend> StartAsync()
    {
        var backend = new PlainResourceBackend();
        backend._backend = await TestBackend.StartAsync(app =>
        {
            app.MapGet("/items/{id}", (string id) =>
            {
                var result = Results.Json(new { id, version = backend._versions.GetOrAdd(id, 1) });
                Interlocked.Increment(ref backend._gets);
                Interlocked.Exchange(ref backend._got, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                return result;
            });
            app.MapPut("/items/{id}", async (string id) =>
            {
                if (backend.FailPutsWith != 0)
                {
                    return Results.StatusCode(backend.FailPutsWith);
                }

                var v = backend._versions.AddOrUpdate(id, 2, (_, old) => old + 1);
                var until = backend.Gets + backend.HoldPutAnswersForGets;
                while (backend.Gets < until)
                {
                    await Volatile.Read(ref backend._got).Task.WaitAsync(TimeSpan.FromSeconds(30));
                }

                return Results.Json(new { id, version = v });
            });
        });
        return backend;
    }

    /// <summary>Changes the resource behind the gateway's back (the backend publishes nothing).</summary>
    public int Change(string id) => _versions.AddOrUpdate(id, 2, (_, old) => old + 1);

    public ValueTask DisposeAsync() => _backend!.DisposeAsync();
}
