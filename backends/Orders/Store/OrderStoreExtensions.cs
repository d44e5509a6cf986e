namespace Backends.Orders.Store;

internal static class OrderStoreExtensions
{
    private static readonly string[] SeedItems = ["Keyboard", "Monitor", "Mouse", "Headset", "Webcam"];

    /// <summary>Registers the store, seeded with orders 1..5 so the demo and the tests have something to watch.</summary>
    public static IServiceCollection AddOrdersStore(this IServiceCollection services)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp =>
        {
            var store = new OrderStore();
            var now = sp.GetRequiredService<TimeProvider>().GetUtcNow();
            for (var i = 0; i < SeedItems.Length; i++)
            {
                var id = store.NextId();
                store.TrySwap(null, new Order(id, "new", SeedItems[i], i + 1, store.NextVersion(), now));
            }

            return store;
        });
        return services;
    }
}
