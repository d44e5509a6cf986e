using System.Collections.Concurrent;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Watch;

/// <summary>A REST backend that knows nothing of NATS or ETags, and counts its GETs.</summary>
internal sealed class PlainResourceBackend : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, int> _versions = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _putAnswers = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TestBackend? _backend;
    private int _gets;

    public string Url => _backend!.Url;

    public int Gets => Volatile.Read(ref _gets);

    /// <summary>Status the next PUTs answer with instead of applying (0 = apply).</summary>
    public int FailPutsWith { get; set; }

    /// <summary>
    /// While set, a PUT applies its change at once but answers only when <see cref="ReleasePutAnswers"/> is called: the
    /// gateway's watch then sees the write's result before the write's response is back, for as long as the test needs.
    /// </summary>
    public bool HoldPutAnswers { get; set; }

    /// <summary>Lets the held PUTs answer (and every later one at once).</summary>
    public void ReleasePutAnswers() => _putAnswers.TrySetResult();

    public static async Task<PlainResourceBackend> StartAsync()
    {
        var backend = new PlainResourceBackend();
        backend._backend = await TestBackend.StartAsync(app =>
        {
            app.MapGet("/items/{id}", (string id) =>
            {
                var result = Results.Json(new { id, version = backend._versions.GetOrAdd(id, 1) });
                Interlocked.Increment(ref backend._gets);
                return result;
            });
            app.MapPut("/items/{id}", async (string id) =>
            {
                if (backend.FailPutsWith != 0)
                {
                    return Results.StatusCode(backend.FailPutsWith);
                }

                var v = backend._versions.AddOrUpdate(id, 2, (_, old) => old + 1);
                if (backend.HoldPutAnswers)
                {
                    await backend._putAnswers.Task.WaitAsync(TimeSpan.FromSeconds(90));
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
