using System.Collections.Concurrent;
using System.Text.Json;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Edge.Idempotency;

/// <summary>
/// A real orders API for the gateway to proxy to (Kestrel on loopback): <c>POST /orders</c> creates an order under a
/// fresh id and answers 201 with a Location, so a duplicate write shows as a second order.
/// </summary>
internal sealed class OrdersBackend : IAsyncDisposable
{
    private readonly ConcurrentDictionary<int, string> _orders = new();
    private TestBackend? _backend;
    private int _nextId;
    private int _posts;
    private int _patches;

    public string Url => _backend!.Url;

    /// <summary>Every request the backend received (method, path, headers), oldest first.</summary>
    public IReadOnlyList<TestBackendRequest> Requests => _backend!.Requests;

    /// <summary>Orders created so far.</summary>
    public int Orders => _orders.Count;

    /// <summary>POSTs that reached the backend.</summary>
    public int Posts => Volatile.Read(ref _posts);

    /// <summary>PATCHes that reached the backend.</summary>
    public int Patches => Volatile.Read(ref _patches);

    /// <summary>Status the next POSTs answer with, creating nothing (0 = create).</summary>
    public int FailWith { get; set; }

    /// <summary>When set, a POST waits for it before it creates the order (holds the first request in flight).</summary>
    public TaskCompletionSource? Gate { get; set; }

    /// <summary>Completes when a POST has reached the backend.</summary>
    public TaskCompletionSource Arrived { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static async Task<OrdersBackend> StartAsync(ITestOutputHelper output)
    {
        var backend = new OrdersBackend();
        backend._backend = await TestBackend.StartAsync(app =>
        {
            app.MapPost("/orders", async (HttpContext context) =>
            {
                Interlocked.Increment(ref backend._posts);
                backend.Arrived.TrySetResult();
                if (backend.Gate is { } gate)
                {
                    await gate.Task.WaitAsync(TimeSpan.FromSeconds(60));
                }

                if (backend.FailWith != 0)
                {
                    return Results.Json(new { error = "backend_failure" }, statusCode: backend.FailWith);
                }

                using var body = await JsonDocument.ParseAsync(context.Request.Body);
                var order = body.RootElement.Clone();
                var id = Interlocked.Increment(ref backend._nextId);
                backend._orders[id] = order.GetRawText();
                context.Response.Headers.ETag = $"\"order-{id}\"";
                return Results.Created($"/orders/{id}", new { id, order, createdAt = DateTimeOffset.UtcNow });
            });
            app.MapPatch("/orders/{id}", (string id) => Results.Json(new { id, patch = Interlocked.Increment(ref backend._patches) }));
        }, output);
        return backend;
    }

    public async ValueTask DisposeAsync()
    {
        Gate?.TrySetResult();
        if (_backend is not null)
        {
            await _backend.DisposeAsync();
        }
    }
}
