using System.Text.Json;
using System.Text.Json.Serialization;

namespace Backends.Prices.Ticks;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(PriceTick))]
internal sealed partial class PricesJsonContext : JsonSerializerContext;
