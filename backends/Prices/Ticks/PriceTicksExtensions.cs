using System.Text.RegularExpressions;

namespace Backends.Prices.Ticks;

internal static partial class PriceTicksExtensions
{
    public static IServiceCollection AddPriceTicks(this IServiceCollection services)
    {
        services.AddOptions<PricesOptions>()
            .BindConfiguration("Prices")
            .PostConfigure(options =>
            {
                if (string.IsNullOrWhiteSpace(options.NatsUrl))
                {
                    var fromEnvironment = Environment.GetEnvironmentVariable("NATS_URL");
                    options.NatsUrl = string.IsNullOrWhiteSpace(fromEnvironment) ? PricesOptions.DefaultNatsUrl : fromEnvironment;
                }
            })
            .Validate(options => options.TicksPerSecond is > 0 and <= 1000, "Prices:TicksPerSecond must be in (0, 1000]")
            .Validate(options => options.TickerList().Count > 0, "Prices:Tickers names no ticker")
            // A ticker becomes a subject token, so it follows the gateway's rule for route values.
            .Validate(options => options.TickerList().All(TickerPattern().IsMatch), "Prices:Tickers must match ^[A-Za-z0-9_-]{1,128}$ each")
            .ValidateOnStart();
        services.AddSingleton(TimeProvider.System);
        services.AddHostedService<PriceTickPublisher>();
        return services;
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,128}$", RegexOptions.CultureInvariant)]
    private static partial Regex TickerPattern();
}
